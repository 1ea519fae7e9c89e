import { DomainEvent } from './domain-event';
import type { ReceivedMessage } from './received-message';

export const CONVERSATION_STARTED = 'conversation.started';

/** The first message of a conversation the store had never seen. */
export class ConversationStartedEvent extends DomainEvent {
  readonly name = CONVERSATION_STARTED;

  constructor(
    message: ReceivedMessage,
    readonly conversationKey: string,
  ) {
    super(message);
  }
}
