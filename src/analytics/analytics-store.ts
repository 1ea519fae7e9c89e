import type { ReceivedMessage } from '../messages';

export interface TimeRange {
  /** Inclusive, epoch ms; undefined = from the beginning. */
  readonly since?: number;
  /** Exclusive, epoch ms; undefined = up to now. */
  readonly until?: number;
}

export interface DelayPercentiles {
  /** Milliseconds from Kommunicate's timeStamp to kommhook's receipt; null without messages. */
  p50: number | null;
  p95: number | null;
}

export interface ContentTypeCount {
  contentType: string;
  attachments: number;
  bytes: number;
}

export interface AnalyticsTotals {
  messages: number;
  attachments: number;
  attachmentBytes: number;
  offlineMessages: number;
  /** offlineMessages / messages, 0 when there are none. */
  offlineShare: number;
  conversationsStarted: number;
  activeConversations: number;
  senders: number;
  webhookDelayMs: DelayPercentiles;
}

export interface AnalyticsSummary extends AnalyticsTotals {
  attachmentsByContentType: ContentTypeCount[];
  topConversations: { conversationKey: string; messages: number }[];
  topSenders: { sender: string; messages: number }[];
}

export interface TimeseriesPoint extends AnalyticsTotals {
  /** Start of the bucket, epoch ms. */
  start: number;
}

export type TopBy = 'conversation' | 'sender';
export type BucketSize = 'hour' | 'day';

/**
 * Aggregates kept per hour, per UTC day and per key as events arrive;
 * queries read them, never messages, so their cost grows with the range and
 * not with traffic.
 */
export abstract class AnalyticsStore {
  /** Counts each message once, however often it is handed in (retries, replays, twice in a batch). */
  abstract recordMessages(messages: readonly ReceivedMessage[]): Promise<void>;
  /** Counts each conversation start once, likewise. */
  abstract recordConversationsStarted(messages: readonly ReceivedMessage[]): Promise<void>;
  abstract summary(range: TimeRange, topLimit: number): Promise<AnalyticsSummary>;
  /**
   * One point per bucket in [since, until), empty ones included. Day buckets
   * start at midnight of the given whole-hour offset from UTC.
   */
  abstract timeseries(
    bucket: BucketSize,
    range: Required<TimeRange>,
    offsetHours: number,
  ): Promise<TimeseriesPoint[]>;
  abstract top(
    by: TopBy,
    range: TimeRange,
    limit: number,
  ): Promise<{ key: string; messages: number }[]>;
  abstract attachments(range: TimeRange): Promise<ContentTypeCount[]>;
}

/** How long the analytics listeners let a batch fill: aggregates may lag the messages this much. */
export const ANALYTICS_BATCH_DELAY_MS = 200;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const hourBucket = (at: Date): number => Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
export const dayBucket = (at: Date): number => Math.floor(at.getTime() / DAY_MS) * DAY_MS;
