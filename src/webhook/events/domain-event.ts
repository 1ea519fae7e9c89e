import { randomUUID } from 'node:crypto';
import type { ReceivedMessage } from './received-message';

/** What every domain event carries: its own id, when it happened, and the message. */
export abstract class DomainEvent {
  readonly eventId: string = randomUUID();
  readonly occurredAt: Date = new Date();

  constructor(readonly message: ReceivedMessage) {}
}
