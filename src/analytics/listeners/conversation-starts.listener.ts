import { DurableHandler, DurableListener } from '../../delivery';
import { CONVERSATION_STARTED, ConversationStartedEvent } from '../../messages';
import { AnalyticsStore, ANALYTICS_BATCH_DELAY_MS } from '../analytics-store';

/** Counts conversations started per hour and day, a batch per write; once per conversation, however often it runs. */
@DurableListener(CONVERSATION_STARTED, 'analytics.conversations')
export class ConversationStartsListener implements DurableHandler<ConversationStartedEvent> {
  /** Each batch rewrites a row per hour, day and key: a larger one costs little more. */
  readonly batchDelayMs = ANALYTICS_BATCH_DELAY_MS;

  constructor(private readonly analytics: AnalyticsStore) {}

  handle(event: ConversationStartedEvent): Promise<void> {
    return this.handleBatch([event]);
  }

  async handleBatch(events: readonly ConversationStartedEvent[]): Promise<void> {
    await this.analytics.recordConversationsStarted(events.map((event) => event.message));
  }
}
