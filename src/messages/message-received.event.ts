import { DomainEvent } from './domain-event';
import type { ReceivedMessage } from './received-message';

export const MESSAGE_RECEIVED = 'message.received';

/** Every accepted (new, committed) message. */
export class MessageReceivedEvent extends DomainEvent {
  declare readonly name: typeof MESSAGE_RECEIVED;

  constructor(message: ReceivedMessage) {
    super(MESSAGE_RECEIVED, message);
  }
}
