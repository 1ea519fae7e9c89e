import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsStore } from './analytics-store';
import { ConversationStartsListener } from './listeners/conversation-starts.listener';
import { MessageAggregatesListener } from './listeners/message-aggregates.listener';
import { SqlAnalyticsStore } from './sql-analytics-store';

@Module({
  controllers: [AnalyticsController],
  providers: [
    { provide: AnalyticsStore, useClass: SqlAnalyticsStore },
    MessageAggregatesListener,
    ConversationStartsListener,
  ],
})
export class AnalyticsModule {}
