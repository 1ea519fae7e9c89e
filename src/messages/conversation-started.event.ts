import { DomainEvent } from './domain-event';
import type { ReceivedMessage } from './received-message';

export const CONVERSATION_STARTED = 'conversation.started';

/** The first message of a conversation the store had never seen. */
export class ConversationStartedEvent extends DomainEvent {
  declare readonly name: typeof CONVERSATION_STARTED;

  constructor(
    message: ReceivedMessage,
    readonly conversationKey: string,
  ) {
    super(CONVERSATION_STARTED, message);
  }
}
