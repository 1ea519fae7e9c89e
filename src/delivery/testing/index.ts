// The listener testing kit: run a durable listener in a Nest testing module, attempt by attempt.
export { createListenerTestingModule, ListenerTestingModule } from './listener-testing-module';
export type {
  Deliverable,
  DeliverOptions,
  DeliveryResult,
  ListenerTestingOptions,
} from './listener-testing-module';
export { MESSAGE_FIXTURES, messageFixture } from './message-fixture';
export type { MessageFixtureName } from './message-fixture';
