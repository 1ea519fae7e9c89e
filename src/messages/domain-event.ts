import { nameBasedUuid } from '../common/ids/name-based-uuid';
import type { ReceivedMessage } from './received-message';

/** What every domain event carries: its name, its own id, when it happened, and the message. */
export abstract class DomainEvent {
  /** Stable for a given (event name, message key): one message has one `message.received`. */
  readonly eventId: string;
  /** The commit of the message that caused it. */
  readonly occurredAt: Date;

  protected constructor(
    readonly name: string,
    readonly message: ReceivedMessage,
  ) {
    this.eventId = nameBasedUuid(`${name}\n${message.key}`);
    this.occurredAt = message.receivedAt;
  }
}
