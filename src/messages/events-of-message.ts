import { ConversationStartedEvent } from './conversation-started.event';
import type { AnyDomainEvent } from './event-map';
import { MessageAttachmentReceivedEvent } from './message-attachment-received.event';
import { MessageReceivedEvent } from './message-received.event';
import type { ReceivedMessage } from './received-message';

/**
 * The events one accepted message causes. Used on acceptance and again to
 * rebuild them for a retry or a replay, so both see the same events and ids.
 */
export function eventsOfMessage(
  message: ReceivedMessage,
  conversationStarted: boolean,
): AnyDomainEvent[] {
  const events: AnyDomainEvent[] = [new MessageReceivedEvent(message)];
  if (message.file) events.push(new MessageAttachmentReceivedEvent(message, message.file));
  if (conversationStarted && message.conversationKey !== null) {
    events.push(new ConversationStartedEvent(message, message.conversationKey));
  }
  return events;
}
