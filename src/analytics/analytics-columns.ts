import type { ReceivedMessage } from '../messages';
import { DAY_MS, hourBucket, type TimeRange, type TopBy } from './analytics-store';
import type { AnalyticsTotalsColumns } from './analytics.tables';
import { DELAY_COLUMNS } from './delay-histogram';

/** Every count of a period: a row of `analytics_hourly` or `analytics_daily` less its bucket. */
export type Totals = AnalyticsTotalsColumns;

export const TOTALS_COLUMNS = [
  'messages',
  'attachments',
  'attachment_bytes',
  'offline_messages',
  'conversations_started',
  'active_conversations',
  'senders',
  ...DELAY_COLUMNS.map(([, column]) => column),
] satisfies (keyof Totals)[];

/** What several periods' rows add up to; their distinct keys do not. */
export const ADDITIVE_COLUMNS = TOTALS_COLUMNS.filter(
  (column) => column !== 'active_conversations' && column !== 'senders',
);

/** Where the counts of conversations and of senders live: the tables are alike but for the key's name. */
export const KEYED = {
  conversation: {
    hourly: 'analytics_hourly_conversations',
    daily: 'analytics_daily_conversations',
    totals: 'analytics_conversation_totals',
    column: 'conversation_key',
    distinct: 'active_conversations',
    keyOf: (message: ReceivedMessage): string | null => message.conversationKey,
  },
  sender: {
    hourly: 'analytics_hourly_senders',
    daily: 'analytics_daily_senders',
    totals: 'analytics_sender_totals',
    column: 'sender',
    distinct: 'senders',
    keyOf: (message: ReceivedMessage): string | null => message.from,
  },
} as const;

export type KeyedTables = (typeof KEYED)[TopBy];

export const KEY_KINDS = Object.keys(KEYED) as TopBy[];

const ZERO = Object.fromEntries(TOTALS_COLUMNS.map((column) => [column, 0])) as unknown as Totals;

export function noTotals(): Totals {
  return { ...ZERO };
}

/** Zero everywhere but one in `column`. */
export function only(column: keyof Totals): Totals {
  return { ...noTotals(), [column]: 1 };
}

/** Hour buckets from `from` (inclusive) to `to` (exclusive), epoch ms. */
export interface HourSpan {
  readonly from: number;
  readonly to: number;
}

/**
 * A span cut into whole UTC days, [firstDay, lastDay), and the hours at
 * either end: [from, headEnd) and [tailStart, to).
 */
export interface EdgedSpan extends HourSpan {
  readonly firstDay: number;
  readonly lastDay: number;
  readonly headEnd: number;
  readonly tailStart: number;
}

export function edged(span: HourSpan): EdgedSpan {
  const firstDay = Math.ceil(span.from / DAY_MS) * DAY_MS;
  const lastDay = Math.max(firstDay, Math.floor(span.to / DAY_MS) * DAY_MS);
  return {
    ...span,
    firstDay,
    lastDay,
    headEnd: Math.min(firstDay, span.to),
    tailStart: Math.max(lastDay, span.from),
  };
}

/** Whole hour buckets: `since` is rounded down to its hour; open ends reach as far as any data. */
export function hoursOf(range: TimeRange): HourSpan {
  return {
    from: range.since === undefined ? 0 : hourBucket(new Date(range.since)),
    to: range.until ?? Number.MAX_SAFE_INTEGER,
  };
}
