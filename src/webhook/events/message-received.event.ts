import { DomainEvent } from './domain-event';

export const MESSAGE_RECEIVED = 'message.received';

/** Every accepted (new, committed) message. */
export class MessageReceivedEvent extends DomainEvent {
  readonly name = MESSAGE_RECEIVED;
}
