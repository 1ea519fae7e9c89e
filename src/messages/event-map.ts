import { CONVERSATION_STARTED, ConversationStartedEvent } from './conversation-started.event';
import {
  MESSAGE_ATTACHMENT_RECEIVED,
  MessageAttachmentReceivedEvent,
} from './message-attachment-received.event';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from './message-received.event';

/** Event name → payload: makes emitting and subscribing checked by the compiler. */
export interface EventMap {
  [MESSAGE_RECEIVED]: MessageReceivedEvent;
  [MESSAGE_ATTACHMENT_RECEIVED]: MessageAttachmentReceivedEvent;
  [CONVERSATION_STARTED]: ConversationStartedEvent;
}

export type EventName = keyof EventMap;
export type AnyDomainEvent = EventMap[EventName];
