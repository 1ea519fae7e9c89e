import { DurableHandler, DurableListener } from '../../delivery/durable-listener.decorator';
import { CONVERSATION_STARTED, ConversationStartedEvent } from '../../webhook/events';
import { AnalyticsStore } from '../analytics-store';

/** Counts conversations started per hour; once per conversation, however often it runs. */
@DurableListener(CONVERSATION_STARTED, 'analytics.conversations')
export class ConversationStartsListener implements DurableHandler<ConversationStartedEvent> {
  constructor(private readonly analytics: AnalyticsStore) {}

  async handle(event: ConversationStartedEvent): Promise<void> {
    await this.analytics.recordConversationStarted(event.message);
  }
}
