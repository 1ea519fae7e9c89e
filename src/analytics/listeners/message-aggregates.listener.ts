import { DurableHandler, DurableListener } from '../../delivery';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../../messages';
import { AnalyticsStore, ANALYTICS_BATCH_DELAY_MS } from '../analytics-store';

/** Keeps the message aggregates up to date, a batch per write; counts each message once, however often it runs. */
@DurableListener(MESSAGE_RECEIVED, 'analytics.messages')
export class MessageAggregatesListener implements DurableHandler<MessageReceivedEvent> {
  /** Each batch rewrites a row per hour, day and key: a larger one costs little more. */
  readonly batchDelayMs = ANALYTICS_BATCH_DELAY_MS;

  constructor(private readonly analytics: AnalyticsStore) {}

  handle(event: MessageReceivedEvent): Promise<void> {
    return this.handleBatch([event]);
  }

  async handleBatch(events: readonly MessageReceivedEvent[]): Promise<void> {
    await this.analytics.recordMessages(events.map((event) => event.message));
  }
}
