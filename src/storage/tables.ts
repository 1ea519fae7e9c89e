import type { Generated } from 'kysely';

/** Columns hold epoch milliseconds for times and 0/1 for booleans, on every dialect. */
export interface MessagesTable {
  id: Generated<number>;
  key: string;
  conversation_key: string | null;
  from_user: string;
  to_user: string | null;
  text: string;
  time_stamp: number;
  received_at: number;
  group_id: number | null;
  client_group_id: string | null;
  group_name: string | null;
  conversation_id: number | null;
  receiver_connected: number | null;
  receiver_last_seen_at: number | null;
  file_name: string | null;
  file_url: string | null;
  file_content_type: string | null;
  file_size: number | null;
  file_thumbnail_url: string | null;
  /** JSON text of the normalised string → string metadata. */
  metadata: string;
  /** The body exactly as Kommunicate sent it, unknown fields included. */
  raw: string;
}

export interface ConversationsTable {
  conversation_key: string;
  first_message_key: string;
  first_seen_at: number;
  last_seen_at: number;
  message_count: number;
}

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

export type DeliveryStatus = 'pending' | 'running' | 'done' | 'failed' | 'dead';

export interface DeliveriesTable {
  id: string;
  message_key: string;
  event_name: string;
  event_id: string;
  listener: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  last_attempt_at: number | null;
  last_duration_ms: number | null;
  completed_at: number | null;
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

export type NotificationStatus = 'sending' | 'sent' | 'failed' | 'rejected' | 'throttled';

export interface NotificationLogTable {
  id: Generated<number>;
  delivery_id: string;
  rule: string;
  channel: string;
  event_name: string;
  message_key: string;
  conversation_key: string | null;
  status: NotificationStatus;
  error: string | null;
  /** The far side's HTTP or SMTP status, when it answered. */
  remote_status: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface StoreProbeTable {
  id: number;
  checked_at: number;
}

export interface Tables {
  messages: MessagesTable;
  conversations: ConversationsTable;
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
  deliveries: DeliveriesTable;
  notification_log: NotificationLogTable;
  store_probe: StoreProbeTable;
}
