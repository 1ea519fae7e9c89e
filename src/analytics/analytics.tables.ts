/**
 * The webhook-delay histogram as counters: `delay_le_<bound>` counts the
 * messages whose delay was at most `bound` ms and more than the bound before.
 */
export interface AnalyticsDelayColumns {
  delay_le_50: number;
  delay_le_100: number;
  delay_le_250: number;
  delay_le_500: number;
  delay_le_1000: number;
  delay_le_2500: number;
  delay_le_5000: number;
  delay_le_10000: number;
  delay_le_30000: number;
  delay_le_60000: number;
  delay_le_300000: number;
  delay_le_3600000: number;
  delay_le_86400000: number;
}

/** Every count of a period: one row per hour, and per UTC day. */
export interface AnalyticsTotalsColumns extends AnalyticsDelayColumns {
  messages: number;
  attachments: number;
  attachment_bytes: number;
  offline_messages: number;
  conversations_started: number;
  /** Distinct conversations and senders with a message in the period. */
  active_conversations: number;
  senders: number;
}

export interface AnalyticsHourlyTable extends AnalyticsTotalsColumns {
  bucket_start: number;
}

export interface AnalyticsDailyTable extends AnalyticsTotalsColumns {
  day_start: number;
}

export interface AnalyticsHourlyConversationsTable {
  bucket_start: number;
  conversation_key: string;
  messages: number;
}

export interface AnalyticsHourlySendersTable {
  bucket_start: number;
  sender: string;
  messages: number;
}

export interface AnalyticsHourlyContentTypesTable {
  bucket_start: number;
  content_type: string;
  attachments: number;
  bytes: number;
}

/** Per UTC day and key, with the first and last UTC hour of the day (0–23) it was seen in. */
export interface AnalyticsDailyConversationsTable {
  day_start: number;
  conversation_key: string;
  messages: number;
  first_hour: number;
  last_hour: number;
}

export interface AnalyticsDailySendersTable {
  day_start: number;
  sender: string;
  messages: number;
  first_hour: number;
  last_hour: number;
}

export interface AnalyticsDailyContentTypesTable {
  day_start: number;
  content_type: string;
  attachments: number;
  bytes: number;
}

/** All-time count per key, with the first and last hour bucket (epoch ms) it was seen in. */
export interface AnalyticsConversationTotalsTable {
  conversation_key: string;
  messages: number;
  first_bucket: number;
  last_bucket: number;
}

export interface AnalyticsSenderTotalsTable {
  sender: string;
  messages: number;
  first_bucket: number;
  last_bucket: number;
}

export interface AnalyticsCountedTable {
  message_key: string;
  kind: string;
}

export interface AnalyticsTables {
  analytics_hourly: AnalyticsHourlyTable;
  analytics_hourly_conversations: AnalyticsHourlyConversationsTable;
  analytics_hourly_senders: AnalyticsHourlySendersTable;
  analytics_hourly_content_types: AnalyticsHourlyContentTypesTable;
  analytics_counted: AnalyticsCountedTable;
  analytics_daily: AnalyticsDailyTable;
  analytics_daily_conversations: AnalyticsDailyConversationsTable;
  analytics_daily_senders: AnalyticsDailySendersTable;
  analytics_daily_content_types: AnalyticsDailyContentTypesTable;
  analytics_conversation_totals: AnalyticsConversationTotalsTable;
  analytics_sender_totals: AnalyticsSenderTotalsTable;
}
