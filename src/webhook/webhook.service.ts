import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { MessageStore } from '../storage/message-store';
import {
  ConversationStartedEvent,
  CONVERSATION_STARTED,
  EventMap,
  EventName,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  MessageAttachmentReceivedEvent,
  MessageReceivedEvent,
  ReceivedMessage,
} from './events';

export type AcceptOutcome = { status: 'accepted' | 'duplicate'; key: string };

/** The one place that decides whether a message is new: store, commit, then emit. */
@Injectable()
export class WebhookService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookService.name);
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: MessageStore,
    private readonly events: EventEmitter2,
  ) {}

  async accept(message: ReceivedMessage, raw: string): Promise<AcceptOutcome> {
    const outcome = await this.store.save(message, raw);
    if (outcome.status === 'duplicate') {
      this.logger.log({ key: message.key }, 'duplicate delivery ignored');
      return { status: 'duplicate', key: message.key };
    }
    // After the commit, never inside it: a listener cannot undo or delay the store.
    this.emit(MESSAGE_RECEIVED, new MessageReceivedEvent(message));
    if (message.file) {
      this.emit(
        MESSAGE_ATTACHMENT_RECEIVED,
        new MessageAttachmentReceivedEvent(message, message.file),
      );
    }
    if (outcome.conversationStarted && message.conversationKey) {
      this.emit(
        CONVERSATION_STARTED,
        new ConversationStartedEvent(message, message.conversationKey),
      );
    }
    return { status: 'accepted', key: message.key };
  }

  /** Listener work still running is finished before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private emit<K extends EventName>(name: K, event: EventMap[K]): void {
    const done = this.events.emitAsync(name, event).catch((error: unknown) => {
      this.logger.error(`listener of ${name} failed: ${String(error)}`);
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}
