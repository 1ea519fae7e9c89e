import { Injectable } from '@nestjs/common';
import {
  AnyDomainEvent,
  CONVERSATION_STARTED,
  ConversationStartedEvent,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  MessageAttachmentReceivedEvent,
  MessageReceivedEvent,
} from '../../src/messages';
import { OnEventBestEffort } from '../../src/delivery';

/** Records every domain event it receives, in order, for assertions. */
@Injectable()
export class RecordingListener {
  readonly events: AnyDomainEvent[] = [];

  @OnEventBestEffort(MESSAGE_RECEIVED)
  onReceived(event: MessageReceivedEvent): void {
    this.events.push(event);
  }

  @OnEventBestEffort(MESSAGE_ATTACHMENT_RECEIVED)
  onAttachment(event: MessageAttachmentReceivedEvent): void {
    this.events.push(event);
  }

  @OnEventBestEffort(CONVERSATION_STARTED)
  onConversationStarted(event: ConversationStartedEvent): void {
    this.events.push(event);
  }

  named(name: string): AnyDomainEvent[] {
    return this.events.filter((event) => event.name === name);
  }
}

/** A listener that always fails: it must change nothing for the sender or the others. */
@Injectable()
export class ThrowingListener {
  calls = 0;

  @OnEventBestEffort(MESSAGE_RECEIVED)
  onReceived(): void {
    this.calls += 1;
    throw new Error('listener failure on purpose');
  }
}
