import { Injectable } from '@nestjs/common';
import {
  CONVERSATION_STARTED,
  ConversationStartedEvent,
  MESSAGE_RECEIVED,
  MessageReceivedEvent,
  OnDomainEvent,
} from '../../webhook/events';
import { AnalyticsStore } from '../analytics-store';

/** Keeps the hourly aggregates up to date as messages are accepted. */
@Injectable()
export class MessageAggregatesListener {
  constructor(private readonly analytics: AnalyticsStore) {}

  @OnDomainEvent(MESSAGE_RECEIVED)
  async onMessageReceived(event: MessageReceivedEvent): Promise<void> {
    await this.analytics.recordMessage(event.message);
  }

  @OnDomainEvent(CONVERSATION_STARTED)
  async onConversationStarted(event: ConversationStartedEvent): Promise<void> {
    await this.analytics.recordConversationStarted(event.message);
  }
}
