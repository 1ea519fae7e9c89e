import { OnEvent } from '@nestjs/event-emitter';
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

/**
 * Subscribes a method to a domain event. Handlers run off the request path
 * (`async`), and an error in one is logged without reaching the sender or the
 * other listeners (`suppressErrors`).
 */
export function OnDomainEvent<K extends EventName>(name: K) {
  const decorate = OnEvent(name, { async: true, promisify: true, suppressErrors: true });
  return <H extends (event: EventMap[K]) => unknown>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): void => {
    decorate(target, propertyKey, descriptor);
  };
}
