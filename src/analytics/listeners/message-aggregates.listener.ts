import { DurableHandler, DurableListener } from '../../delivery/durable-listener.decorator';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../../webhook/events';
import { AnalyticsStore } from '../analytics-store';

/** Keeps the hourly message aggregates up to date; counts each message once, however often it runs. */
@DurableListener(MESSAGE_RECEIVED, 'analytics.messages')
export class MessageAggregatesListener implements DurableHandler<MessageReceivedEvent> {
  constructor(private readonly analytics: AnalyticsStore) {}

  async handle(event: MessageReceivedEvent): Promise<void> {
    await this.analytics.recordMessage(event.message);
  }
}
