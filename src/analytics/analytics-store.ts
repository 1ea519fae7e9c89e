import type { ReceivedMessage } from '../webhook/events';

export interface TimeRange {
  /** Inclusive, epoch ms; undefined = from the beginning. */
  readonly since?: number;
  /** Exclusive, epoch ms; undefined = up to now. */
  readonly until?: number;
}

export interface AnalyticsSummary {
  messages: number;
  attachments: number;
  attachmentBytes: number;
  offlineMessages: number;
  /** offlineMessages / messages, 0 when there are none. */
  offlineShare: number;
  conversationsStarted: number;
  activeConversations: number;
  senders: number;
  attachmentsByContentType: { contentType: string; attachments: number; bytes: number }[];
  topConversations: { conversationKey: string; messages: number }[];
  topSenders: { sender: string; messages: number }[];
}

/**
 * Aggregates kept per hour bucket as events arrive; queries read buckets,
 * never messages, so their cost grows with the range and not with traffic.
 */
export abstract class AnalyticsStore {
  abstract recordMessage(message: ReceivedMessage): Promise<void>;
  abstract recordConversationStarted(message: ReceivedMessage): Promise<void>;
  abstract summary(range: TimeRange, topLimit: number): Promise<AnalyticsSummary>;
}

export const HOUR_MS = 3_600_000;
export const hourBucket = (at: Date): number => Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
