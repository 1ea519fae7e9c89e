import { DurableHandler, DurableListener } from '../../delivery/durable-listener.decorator';
import { CONVERSATION_STARTED, ConversationStartedEvent } from '../../webhook/events';
import { AnalyticsStore } from '../analytics-store';

/** Counts conversations started per hour and day, a batch per write; once per conversation, however often it runs. */
@DurableListener(CONVERSATION_STARTED, 'analytics.conversations')
export class ConversationStartsListener implements DurableHandler<ConversationStartedEvent> {
  constructor(private readonly analytics: AnalyticsStore) {}

  handle(event: ConversationStartedEvent): Promise<void> {
    return this.handleBatch([event]);
  }

  async handleBatch(events: readonly ConversationStartedEvent[]): Promise<void> {
    await this.analytics.recordConversationsStarted(events.map((event) => event.message));
  }
}
