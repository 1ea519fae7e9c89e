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

/** `due`, `sending` (taken, until next_attempt_at), `failed` (to retry at next_attempt_at), `sent`, `dead`. */
export type DigestStatus = 'due' | 'sending' | 'failed' | 'sent' | 'dead';

/** One digest period per rule and channel: its claim, attempts and outcome. */
export interface NotificationDigestsTable {
  rule: string;
  channel: string;
  period_start: number;
  period_end: number;
  status: DigestStatus;
  attempts: number;
  /** When a tick may take it: now for a due one, the lease's end while sending, the retry time after a failure. */
  next_attempt_at: number;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface NotificationTables {
  notification_log: NotificationLogTable;
  notification_digests: NotificationDigestsTable;
}
