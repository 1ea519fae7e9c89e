import { Injectable } from '@nestjs/common';
import { Kysely, RawBuilder, sql } from 'kysely';
import { Database } from '../storage/database';
import type { Tables } from '../storage/tables';
import type { ReceivedMessage } from '../webhook/events';
import {
  AnalyticsStore,
  AnalyticsSummary,
  BucketSize,
  ContentTypeCount,
  DAY_MS,
  dayBucket,
  HOUR_MS,
  hourBucket,
  TimeRange,
  TimeseriesPoint,
  TopBy,
} from './analytics-store';
import { delayBucket, delayPercentiles } from './delay-histogram';

/**
 * Plain Kysely with `ON CONFLICT … DO UPDATE`, which SQLite and PostgreSQL
 * both speak: counters grow by the values the insert proposed (`excluded`).
 */
@Injectable()
export class SqlAnalyticsStore extends AnalyticsStore {
  constructor(private readonly db: Database) {
    super();
  }

  async recordMessage(message: ReceivedMessage): Promise<void> {
    const bucket = hourBucket(message.receivedAt);
    const day = dayBucket(message.receivedAt);
    const size = message.file?.size ?? 0;
    await this.db.write(async (trx) => {
      if (!(await firstCount(trx, message.key, 'message'))) return;
      await trx
        .insertInto('analytics_hourly')
        .values({
          bucket_start: bucket,
          messages: 1,
          attachments: message.file ? 1 : 0,
          attachment_bytes: size,
          offline_messages: message.receiverConnected === false ? 1 : 0,
          conversations_started: 0,
        })
        .onConflict((oc) =>
          oc.column('bucket_start').doUpdateSet((eb) => ({
            messages: eb('analytics_hourly.messages', '+', eb.ref('excluded.messages')),
            attachments: eb('analytics_hourly.attachments', '+', eb.ref('excluded.attachments')),
            attachment_bytes: eb(
              'analytics_hourly.attachment_bytes',
              '+',
              eb.ref('excluded.attachment_bytes'),
            ),
            offline_messages: eb(
              'analytics_hourly.offline_messages',
              '+',
              eb.ref('excluded.offline_messages'),
            ),
          })),
        )
        .execute();
      if (message.conversationKey !== null) {
        await trx
          .insertInto('analytics_hourly_conversations')
          .values({ bucket_start: bucket, conversation_key: message.conversationKey, messages: 1 })
          .onConflict((oc) =>
            oc.columns(['bucket_start', 'conversation_key']).doUpdateSet((eb) => ({
              messages: eb('analytics_hourly_conversations.messages', '+', 1),
            })),
          )
          .execute();
        await trx
          .insertInto('analytics_daily_conversations')
          .values({ day_start: day, conversation_key: message.conversationKey, messages: 1 })
          .onConflict((oc) =>
            oc.columns(['day_start', 'conversation_key']).doUpdateSet((eb) => ({
              messages: eb('analytics_daily_conversations.messages', '+', 1),
            })),
          )
          .execute();
      }
      await trx
        .insertInto('analytics_hourly_senders')
        .values({ bucket_start: bucket, sender: message.from, messages: 1 })
        .onConflict((oc) =>
          oc.columns(['bucket_start', 'sender']).doUpdateSet((eb) => ({
            messages: eb('analytics_hourly_senders.messages', '+', 1),
          })),
        )
        .execute();
      await trx
        .insertInto('analytics_daily_senders')
        .values({ day_start: day, sender: message.from, messages: 1 })
        .onConflict((oc) =>
          oc.columns(['day_start', 'sender']).doUpdateSet((eb) => ({
            messages: eb('analytics_daily_senders.messages', '+', 1),
          })),
        )
        .execute();
      const delay = delayBucket(message.receivedAt.getTime() - message.timeStamp);
      if (delay !== null) {
        await trx
          .insertInto('analytics_hourly_delay')
          .values({ bucket_start: bucket, upper_ms: delay, count: 1 })
          .onConflict((oc) =>
            oc.columns(['bucket_start', 'upper_ms']).doUpdateSet((eb) => ({
              count: eb('analytics_hourly_delay.count', '+', 1),
            })),
          )
          .execute();
      }
      if (message.file) {
        await trx
          .insertInto('analytics_hourly_content_types')
          .values({
            bucket_start: bucket,
            content_type: message.file.contentType ?? 'unknown',
            attachments: 1,
            bytes: size,
          })
          .onConflict((oc) =>
            oc.columns(['bucket_start', 'content_type']).doUpdateSet((eb) => ({
              attachments: eb('analytics_hourly_content_types.attachments', '+', 1),
              bytes: eb('analytics_hourly_content_types.bytes', '+', eb.ref('excluded.bytes')),
            })),
          )
          .execute();
      }
    });
  }

  async recordConversationStarted(message: ReceivedMessage): Promise<void> {
    await this.db.write(async (trx) => {
      if (!(await firstCount(trx, message.key, 'conversation-started'))) return;
      await trx
        .insertInto('analytics_hourly')
        .values({
          bucket_start: hourBucket(message.receivedAt),
          messages: 0,
          attachments: 0,
          attachment_bytes: 0,
          offline_messages: 0,
          conversations_started: 1,
        })
        .onConflict((oc) =>
          oc.column('bucket_start').doUpdateSet((eb) => ({
            conversations_started: eb('analytics_hourly.conversations_started', '+', 1),
          })),
        )
        .execute();
    });
  }

  async summary(range: TimeRange, topLimit: number): Promise<AnalyticsSummary> {
    const span = hoursOf(range);
    const [totals, delays, conversations, senders, byContentType] = await Promise.all([
      this.hourlyTotals(span),
      this.delayCounts(span),
      this.keyed('conversation', span, topLimit),
      this.keyed('sender', span, topLimit),
      this.attachmentsIn(span),
    ]);
    return {
      ...totalsOf(totals),
      activeConversations: conversations.distinct,
      senders: senders.distinct,
      webhookDelayMs: delayPercentiles(delays),
      attachmentsByContentType: byContentType,
      topConversations: conversations.top.map(({ key, messages }) => ({
        conversationKey: key,
        messages,
      })),
      topSenders: senders.top.map(({ key, messages }) => ({ sender: key, messages })),
    };
  }

  async top(
    by: TopBy,
    range: TimeRange,
    limit: number,
  ): Promise<{ key: string; messages: number }[]> {
    return (await this.keyed(by, hoursOf(range), limit)).top;
  }

  attachments(range: TimeRange): Promise<ContentTypeCount[]> {
    return this.attachmentsIn(hoursOf(range));
  }

  async timeseries(
    bucket: BucketSize,
    range: Required<TimeRange>,
    offsetHours: number,
  ): Promise<TimeseriesPoint[]> {
    const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
    const offset = bucket === 'hour' ? 0 : offsetHours * HOUR_MS;
    // The bucket an hour falls in, as SQL and as code: midnight at the offset, for days.
    const startOf = (at: number): number => Math.floor((at + offset) / size) * size - offset;
    // Literals, not parameters: a bound JS number is a REAL to SQLite, and its division would not floor.
    const shifted = sql`(bucket_start + ${sql.lit(offset)})`;
    const bucketSql = sql<number>`${shifted} - ${shifted} % ${sql.lit(size)} - ${sql.lit(offset)}`;
    const span = { from: startOf(range.since), to: startOf(range.until - 1) + size };

    const [hours, conversations, senders, delays] = await Promise.all([
      this.db
        .selectFrom('analytics_hourly')
        .selectAll()
        .where('bucket_start', '>=', span.from)
        .where('bucket_start', '<', span.to)
        .execute(),
      this.distinctPer('conversation', bucket, offset, bucketSql, span),
      this.distinctPer('sender', bucket, offset, bucketSql, span),
      this.db
        .selectFrom('analytics_hourly_delay')
        .select(['bucket_start', 'upper_ms', 'count'])
        .where('bucket_start', '>=', span.from)
        .where('bucket_start', '<', span.to)
        .execute(),
    ]);

    const points = new Map<number, { totals: HourlyTotals; delays: Map<number, number> }>();
    for (let start = span.from; start < span.to; start += size) {
      points.set(start, { totals: { ...NO_TOTALS }, delays: new Map() });
    }
    for (const hour of hours) {
      const point = points.get(startOf(Number(hour.bucket_start)));
      if (!point) continue;
      point.totals.messages += Number(hour.messages);
      point.totals.attachments += Number(hour.attachments);
      point.totals.attachmentBytes += Number(hour.attachment_bytes);
      point.totals.offlineMessages += Number(hour.offline_messages);
      point.totals.conversationsStarted += Number(hour.conversations_started);
    }
    for (const row of delays) {
      const point = points.get(startOf(Number(row.bucket_start)));
      const upper = Number(row.upper_ms);
      point?.delays.set(upper, (point.delays.get(upper) ?? 0) + Number(row.count));
    }
    return [...points].map(([start, { totals, delays: counts }]) => ({
      start,
      ...totalsOf(totals),
      activeConversations: conversations.get(start) ?? 0,
      senders: senders.get(start) ?? 0,
      webhookDelayMs: delayPercentiles(counts),
    }));
  }

  private async hourlyTotals(span: HourSpan): Promise<HourlyTotals> {
    const row = await this.db
      .selectFrom('analytics_hourly')
      .where('bucket_start', '>=', span.from)
      .where('bucket_start', '<', span.to)
      .select((eb) => [
        eb.fn.sum<number>('messages').as('messages'),
        eb.fn.sum<number>('attachments').as('attachments'),
        eb.fn.sum<number>('attachment_bytes').as('attachmentBytes'),
        eb.fn.sum<number>('offline_messages').as('offlineMessages'),
        eb.fn.sum<number>('conversations_started').as('conversationsStarted'),
      ])
      .executeTakeFirstOrThrow();
    // SUM over no rows is NULL: Number(null) is 0.
    return {
      messages: Number(row.messages),
      attachments: Number(row.attachments),
      attachmentBytes: Number(row.attachmentBytes),
      offlineMessages: Number(row.offlineMessages),
      conversationsStarted: Number(row.conversationsStarted),
    };
  }

  private async delayCounts(span: HourSpan): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('analytics_hourly_delay')
      .where('bucket_start', '>=', span.from)
      .where('bucket_start', '<', span.to)
      .select((eb) => ['upper_ms', eb.fn.sum<number>('count').as('count')])
      .groupBy('upper_ms')
      .execute();
    return new Map(rows.map((row) => [Number(row.upper_ms), Number(row.count)]));
  }

  private async attachmentsIn(span: HourSpan): Promise<ContentTypeCount[]> {
    const rows = await this.db
      .selectFrom('analytics_hourly_content_types')
      .where('bucket_start', '>=', span.from)
      .where('bucket_start', '<', span.to)
      .select((eb) => [
        'content_type',
        eb.fn.sum<number>('attachments').as('attachments'),
        eb.fn.sum<number>('bytes').as('bytes'),
      ])
      .groupBy('content_type')
      .orderBy('attachments', 'desc')
      .orderBy('content_type')
      .execute();
    return rows.map((row) => ({
      contentType: row.content_type,
      attachments: Number(row.attachments),
      bytes: Number(row.bytes),
    }));
  }

  /**
   * Distinct keys and the busiest ones over a span: whole UTC days from the
   * daily table, the hours at either end from the hourly one, so a month
   * reads about thirty rows per key instead of seven hundred.
   */
  private async keyed(
    by: TopBy,
    span: HourSpan,
    limit: number,
  ): Promise<{ distinct: number; top: { key: string; messages: number }[] }> {
    const { hourly, daily, column } = KEYED_TABLES[by];
    const firstDay = Math.ceil(span.from / DAY_MS) * DAY_MS;
    const lastDay = Math.max(firstDay, Math.floor(span.to / DAY_MS) * DAY_MS);
    const rows = sql<{ key: string; messages: number }>`
      select ${sql.ref(column)} as key, messages from ${sql.table(daily)}
        where day_start >= ${firstDay} and day_start < ${lastDay}
      union all
      select ${sql.ref(column)} as key, messages from ${sql.table(hourly)}
        where bucket_start >= ${span.from} and bucket_start < ${Math.min(firstDay, span.to)}
      union all
      select ${sql.ref(column)} as key, messages from ${sql.table(hourly)}
        where bucket_start >= ${Math.max(lastDay, span.from)} and bucket_start < ${span.to}`;
    // Two index ranges for the edge hours (an OR of them would scan the table), and one
    // pass over the rows: the window count sees every group before LIMIT keeps the top.
    const { rows: top } = await sql<{ key: string; messages: number; distinct: number }>`
      select key, sum(messages) as messages, count(*) over () as ${sql.ref('distinct')}
      from (${rows}) as k
      group by key order by messages desc, key limit ${limit}`.execute(this.db);
    return {
      distinct: Number(top[0]?.distinct ?? 0),
      top: top.map((row) => ({ key: row.key, messages: Number(row.messages) })),
    };
  }

  /**
   * Distinct keys per bucket of a time series. Rows are unique per (bucket,
   * key), so hours and UTC days are plain counts on their own tables; days at
   * another offset regroup the hours.
   */
  private async distinctPer(
    by: TopBy,
    bucket: BucketSize,
    offset: number,
    bucketSql: RawBuilder<number>,
    span: HourSpan,
  ): Promise<Map<number, number>> {
    const { hourly, daily, column } = KEYED_TABLES[by];
    const query =
      bucket === 'hour'
        ? sql<{ start: number; count: number }>`
            select bucket_start as start, count(*) as count from ${sql.table(hourly)}
            where bucket_start >= ${span.from} and bucket_start < ${span.to} group by bucket_start`
        : offset === 0
          ? sql<{ start: number; count: number }>`
              select day_start as start, count(*) as count from ${sql.table(daily)}
              where day_start >= ${span.from} and day_start < ${span.to} group by day_start`
          : sql<{ start: number; count: number }>`
              select ${bucketSql} as start, count(distinct ${sql.ref(column)}) as count
              from ${sql.table(hourly)}
              where bucket_start >= ${span.from} and bucket_start < ${span.to} group by 1`;
    const { rows } = await query.execute(this.db);
    return new Map(rows.map((row) => [Number(row.start), Number(row.count)]));
  }
}

/** Where the per-key counts of conversations and senders live. */
const KEYED_TABLES = {
  conversation: {
    hourly: 'analytics_hourly_conversations',
    daily: 'analytics_daily_conversations',
    column: 'conversation_key',
  },
  sender: {
    hourly: 'analytics_hourly_senders',
    daily: 'analytics_daily_senders',
    column: 'sender',
  },
} as const;

interface HourSpan {
  /** First hour bucket, inclusive. */
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

interface HourlyTotals {
  messages: number;
  attachments: number;
  attachmentBytes: number;
  offlineMessages: number;
  conversationsStarted: number;
}

const NO_TOTALS: HourlyTotals = {
  messages: 0,
  attachments: 0,
  attachmentBytes: 0,
  offlineMessages: 0,
  conversationsStarted: 0,
};

/** Whole hour buckets: `since` is rounded down to its hour; open ends reach as far as any data. */
function hoursOf(range: TimeRange): HourSpan {
  return {
    from: range.since === undefined ? 0 : hourBucket(new Date(range.since)),
    to: range.until ?? Number.MAX_SAFE_INTEGER,
  };
}

function totalsOf(totals: HourlyTotals) {
  return {
    ...totals,
    offlineShare: totals.messages === 0 ? 0 : totals.offlineMessages / totals.messages,
  };
}

/**
 * Marks (message, aggregate) as counted; false when it already was. Deliveries
 * are at-least-once, so a retry or a replay must not count a message again.
 */
async function firstCount(
  trx: Kysely<Tables>,
  messageKey: string,
  kind: string,
): Promise<boolean> {
  const result = await trx
    .insertInto('analytics_counted')
    .values({ message_key: messageKey, kind })
    .onConflict((oc) => oc.columns(['message_key', 'kind']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows) === 1;
}
