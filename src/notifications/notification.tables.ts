import type { Generated } from 'kysely';

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
  /** An alert's: conversation + wait start, the same for its steps and its resolution. */
  dedup_key: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface NotificationTables {
  notification_log: NotificationLogTable;
}
