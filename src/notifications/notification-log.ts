import type { Cursor, Page } from '../common/query/query-params';
import type { NotificationStatus } from './notification.tables';

export type { NotificationStatus } from './notification.tables';
export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = [
  'sending',
  'sent',
  'failed',
  'rejected',
  'throttled',
];

export interface NotificationAttempt {
  readonly deliveryId: string;
  readonly rule: string;
  readonly channel: string;
  readonly eventName: string;
  readonly messageKey: string;
  /** What the throttle counts per: the conversation, or the sender when there is none; null for a digest. */
  readonly throttleKey: string | null;
  /** An alert's: conversation + wait start (see alerts/). */
  readonly dedupKey?: string;
}

export interface NotificationEntry {
  readonly id: number;
  readonly deliveryId: string;
  readonly rule: string;
  readonly channel: string;
  readonly event: string;
  readonly messageKey: string;
  readonly conversation: string | null;
  readonly status: NotificationStatus;
  readonly error: string | null;
  readonly remoteStatus: number | null;
  /** An alert's: its steps and its resolution share it. */
  readonly dedupKey: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface NotificationFilter {
  readonly rule?: string;
  readonly channel?: string;
  readonly status?: NotificationStatus;
}

export interface Throttle {
  readonly max: number;
  readonly windowMs: number;
}

/** Every attempt to notify, its outcome, and the throttle's memory. */
export abstract class NotificationLog {
  /**
   * Records an attempt about to be made and answers its id, or null when the
   * throttle says no (recorded as `throttled`). No two attempts, in this
   * process or another instance, can both take the last place in a window.
   */
  abstract begin(
    attempt: NotificationAttempt,
    now: number,
    throttle: Throttle | null,
  ): Promise<number | null>;

  abstract finish(
    id: number,
    now: number,
    outcome: {
      status: Exclude<NotificationStatus, 'sending' | 'throttled'>;
      error?: string;
      remoteStatus?: number | null;
    },
  ): Promise<void>;

  /** The log rows of one rule with one of these dedup keys, oldest first. */
  abstract byDedupKeys(rule: string, dedupKeys: readonly string[]): Promise<NotificationEntry[]>;

  /** The distinct dedup keys of a rule's rows in one conversation. */
  abstract dedupKeysOf(rule: string, conversationKey: string): Promise<string[]>;

  /** Newest first. */
  abstract list(
    filter: NotificationFilter,
    limit: number,
    cursor?: Cursor,
  ): Promise<Page<NotificationEntry>>;
}
