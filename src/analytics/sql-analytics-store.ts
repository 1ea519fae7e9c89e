import { Injectable } from '@nestjs/common';
import { Kysely, RawBuilder, sql } from 'kysely';
import { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { columnsOf, PreparedByCount, PreparedQuery } from '../storage/prepared-query';
import type {
  AnalyticsDailyContentTypesTable,
  AnalyticsDailyTable,
  AnalyticsHourlyContentTypesTable,
  AnalyticsHourlyTable,
  AnalyticsTotalsColumns,
  AnalyticsTables,
} from './analytics.tables';
import type { ReceivedMessage } from '../messages';
import {
  AnalyticsStore,
  AnalyticsSummary,
  AnalyticsTotals,
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
import { DELAY_COLUMNS, delayBucket, delayPercentiles } from './delay-histogram';
import { MAX_ROWS, powerOfTwoChunks, Rollup } from './rollup';

type Totals = AnalyticsTotalsColumns;

const TOTALS_COLUMNS = [
  'messages',
  'attachments',
  'attachment_bytes',
  'offline_messages',
  'conversations_started',
  'active_conversations',
  'senders',
  ...DELAY_COLUMNS.map(([, column]) => column),
] satisfies (keyof Totals)[];

const DELAY_COLUMN_OF = new Map(DELAY_COLUMNS);
/** What several periods' rows add up to; their distinct keys do not. */
const ADDITIVE_COLUMNS = TOTALS_COLUMNS.filter(
  (column) => column !== 'active_conversations' && column !== 'senders',
);

/** Where the counts of conversations and of senders live: the tables are alike but for the key's name. */
const KEYED = {
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
const KEY_KINDS = Object.keys(KEYED) as TopBy[];

/** A message counted once per aggregate; the marker's kind names the aggregate. */
type CountedKind = 'message' | 'conversation-started';

/**
 * Aggregates as rollup tables written a batch at a time, and read so that a
 * query's cost follows the range asked for, not the traffic:
 *
 * - `analytics_hourly` and `analytics_daily` (UTC days): every count of the
 *   period in one row, distinct keys and the delay histogram included;
 * - per hour and per UTC day, each conversation's and sender's messages; the
 *   day rows keep the first and last hour of the day the key was seen in,
 *   so a day at another offset is counted from two UTC days' rows;
 * - per key, its all-time count and the first and last hour it was seen in:
 *   a key seen only inside a range counts its total there, and only the
 *   keys that straddle an end of the range are summed from days and hours.
 *
 * Portable SQL: upserts with `on conflict … do update`, CASE for min/max.
 */
const CONTENDED = { contended: true } as const;

@Injectable()
export class SqlAnalyticsStore extends AnalyticsStore {
  private readonly query: Kysely<AnalyticsTables> = tablesOf<AnalyticsTables>(this.db);
  private readonly counted = new PreparedByCount<
    { message_key: string; kind: CountedKind },
    { message_key: string }
  >(
    (rows) =>
      this.query
        .insertInto('analytics_counted')
        .values(rows.map((row) => columnsOf(row, ['message_key', 'kind'])))
        .onConflict((oc) => oc.columns(['message_key', 'kind']).doNothing())
        .returning('message_key'),
    MAX_ROWS,
  );
  private readonly hourly = new Rollup<AnalyticsHourlyTable>(this.query, {
    table: 'analytics_hourly',
    keys: ['bucket_start'],
    sums: TOTALS_COLUMNS,
  });
  private readonly daily = new Rollup<AnalyticsDailyTable>(this.query, {
    table: 'analytics_daily',
    keys: ['day_start'],
    sums: TOTALS_COLUMNS,
  });
  private readonly hourlyContentTypes = new Rollup<AnalyticsHourlyContentTypesTable>(this.query, {
    table: 'analytics_hourly_content_types',
    keys: ['bucket_start', 'content_type'],
    sums: ['attachments', 'bytes'],
  });
  private readonly dailyContentTypes = new Rollup<AnalyticsDailyContentTypesTable>(this.query, {
    table: 'analytics_daily_content_types',
    keys: ['day_start', 'content_type'],
    sums: ['attachments', 'bytes'],
  });
  private readonly keyed = new Map(KEY_KINDS.map((by) => [by, new KeyedRollups(this.query, by)]));

  private readonly totalsQuery = new PreparedQuery<EdgedSpan, Totals>((p) =>
    this.query
      .selectFrom((eb) =>
        eb
          .selectFrom('analytics_daily')
          .select(TOTALS_COLUMNS)
          .where('day_start', '>=', p.firstDay)
          .where('day_start', '<', p.lastDay)
          .unionAll(
            eb
              .selectFrom('analytics_hourly')
              .select(TOTALS_COLUMNS)
              .where('bucket_start', '>=', p.from)
              .where('bucket_start', '<', p.headEnd),
          )
          .unionAll(
            eb
              .selectFrom('analytics_hourly')
              .select(TOTALS_COLUMNS)
              .where('bucket_start', '>=', p.tailStart)
              .where('bucket_start', '<', p.to),
          )
          .as('periods'),
      )
      .select((eb) => TOTALS_COLUMNS.map((column) => eb.fn.sum<number>(column).as(column))),
  );
  private readonly contentTypesQuery = new PreparedQuery<
    EdgedSpan,
    { content_type: string; attachments: number; bytes: number }
  >((p) =>
    this.query
      .selectFrom((eb) =>
        eb
          .selectFrom('analytics_daily_content_types')
          .select(['content_type', 'attachments', 'bytes'])
          .where('day_start', '>=', p.firstDay)
          .where('day_start', '<', p.lastDay)
          .unionAll(
            eb
              .selectFrom('analytics_hourly_content_types')
              .select(['content_type', 'attachments', 'bytes'])
              .where('bucket_start', '>=', p.from)
              .where('bucket_start', '<', p.headEnd),
          )
          .unionAll(
            eb
              .selectFrom('analytics_hourly_content_types')
              .select(['content_type', 'attachments', 'bytes'])
              .where('bucket_start', '>=', p.tailStart)
              .where('bucket_start', '<', p.to),
          )
          .as('periods'),
      )
      .select((eb) => [
        'content_type',
        eb.fn.sum<number>('attachments').as('attachments'),
        eb.fn.sum<number>('bytes').as('bytes'),
      ])
      .groupBy('content_type')
      .orderBy('attachments', 'desc')
      .orderBy('content_type'),
  );
  private readonly hoursQuery = new PreparedQuery<HourSpan, AnalyticsHourlyTable>((p) =>
    this.query
      .selectFrom('analytics_hourly')
      .select(['bucket_start', ...TOTALS_COLUMNS])
      .where('bucket_start', '>=', p.from)
      .where('bucket_start', '<', p.to),
  );
  private readonly daysQuery = new PreparedQuery<HourSpan, AnalyticsDailyTable>((p) =>
    this.query
      .selectFrom('analytics_daily')
      .select(['day_start', ...TOTALS_COLUMNS])
      .where('day_start', '>=', p.from)
      .where('day_start', '<', p.to),
  );
  private readonly keyedQueries = new Map(
    KEY_KINDS.map((by) => [by, prepareSql(this.query, keyedSql(KEYED[by]))]),
  );
  private readonly shiftedDayQueries = new Map(
    KEY_KINDS.flatMap((by) =>
      (['tails', 'heads'] as const).map((drive) => [
        `${by}:${drive}`,
        prepareSql(this.query, shiftedDaysSql(KEYED[by], drive)),
      ]),
    ),
  );

  constructor(private readonly db: Database) {
    super();
  }

  /** The store as the prepared queries run on it (they infer their executor's tables). */
  private get reader(): Kysely<AnalyticsTables> {
    return this.query;
  }

  /**
   * Counts the messages not counted before, all in one write: the markers
   * first (a retry, a replay or a key twice in the batch counts once), then
   * one upsert per rollup table.
   */
  async recordMessages(messages: readonly ReceivedMessage[]): Promise<void> {
    await this.db.write(async (transaction) => {
      const trx = tablesOf<AnalyticsTables>(transaction);
      const fresh = await this.firstCounts(trx, messages, 'message');
      if (fresh.length === 0) return;
      const hours: AnalyticsHourlyTable[] = [];
      const days: AnalyticsDailyTable[] = [];
      const hourTypes: AnalyticsHourlyContentTypesTable[] = [];
      const dayTypes: AnalyticsDailyContentTypesTable[] = [];
      for (const message of fresh) {
        const totals = totalsOf(message);
        hours.push({ bucket_start: hourBucket(message.receivedAt), ...totals });
        days.push({ day_start: dayBucket(message.receivedAt), ...totals });
        if (message.file) {
          const counts = {
            content_type: message.file.contentType ?? 'unknown',
            attachments: 1,
            bytes: message.file.size ?? 0,
          };
          hourTypes.push({ bucket_start: hourBucket(message.receivedAt), ...counts });
          dayTypes.push({ day_start: dayBucket(message.receivedAt), ...counts });
        }
      }
      // A key new to an hour or a day adds one to that period's distinct count.
      for (const by of KEY_KINDS) {
        const { distinct } = KEYED[by];
        const created = await this.keyed.get(by)!.add(trx, fresh);
        for (const hour of created.hours) hours.push({ bucket_start: hour, ...only(distinct) });
        for (const day of created.days) days.push({ day_start: day, ...only(distinct) });
      }
      await this.hourly.add(trx, hours);
      await this.daily.add(trx, days);
      await this.hourlyContentTypes.add(trx, hourTypes);
      await this.dailyContentTypes.add(trx, dayTypes);
      // Every instance adds to the same hours and days: outside the webhooks' batches.
    }, CONTENDED);
  }

  async recordConversationsStarted(messages: readonly ReceivedMessage[]): Promise<void> {
    await this.db.write(async (transaction) => {
      const trx = tablesOf<AnalyticsTables>(transaction);
      const fresh = await this.firstCounts(trx, messages, 'conversation-started');
      if (fresh.length === 0) return;
      const started = only('conversations_started');
      await this.hourly.add(
        trx,
        fresh.map((message) => ({ bucket_start: hourBucket(message.receivedAt), ...started })),
      );
      await this.daily.add(
        trx,
        fresh.map((message) => ({ day_start: dayBucket(message.receivedAt), ...started })),
      );
    }, CONTENDED);
  }

  async summary(range: TimeRange, topLimit: number): Promise<AnalyticsSummary> {
    const span = edged(hoursOf(range));
    const [totals, byContentType, conversations, senders] = await Promise.all([
      this.totalsQuery.run(this.reader, span),
      this.contentTypes(span),
      this.keyedIn('conversation', span, topLimit),
      this.keyedIn('sender', span, topLimit),
    ]);
    const sums = noTotals();
    addTotals(sums, totals.rows[0] ?? {});
    return {
      ...present(sums, conversations.distinct, senders.distinct),
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
    return (await this.keyedIn(by, edged(hoursOf(range)), limit)).top;
  }

  attachments(range: TimeRange): Promise<ContentTypeCount[]> {
    return this.contentTypes(edged(hoursOf(range)));
  }

  async timeseries(
    bucket: BucketSize,
    range: Required<TimeRange>,
    offsetHours: number,
  ): Promise<TimeseriesPoint[]> {
    const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
    const offset = bucket === 'hour' ? 0 : offsetHours * HOUR_MS;
    // The bucket an hour falls in: midnight at the offset, for days.
    const startOf = (at: number): number => Math.floor((at + offset) / size) * size - offset;
    const span = { from: startOf(range.since), to: startOf(range.until - 1) + size };

    const points = new Map<number, Totals>();
    for (let start = span.from; start < span.to; start += size) points.set(start, noTotals());
    if (offset === 0) {
      // Hours, and UTC days, are rows of their own, distinct counts included.
      const { rows } =
        bucket === 'hour'
          ? await this.hoursQuery.run(this.reader, span)
          : await this.daysQuery.run(this.reader, span);
      for (const row of rows) {
        const start = 'bucket_start' in row ? row.bucket_start : row.day_start;
        const point = points.get(Number(start));
        if (point) addTotals(point, row);
      }
    } else {
      // Days at another offset: the hours' counts add up; distinct keys come from two UTC days each.
      const [{ rows: hours }, ...distinct] = await Promise.all([
        this.hoursQuery.run(this.reader, span),
        ...KEY_KINDS.map((by) => this.distinctPerShiftedDay(by, offsetHours, span)),
      ]);
      for (const hour of hours) {
        const point = points.get(startOf(Number(hour.bucket_start)));
        if (point) addTotals(point, hour, ADDITIVE_COLUMNS);
      }
      KEY_KINDS.forEach((by, index) => {
        for (const [start, count] of distinct[index]) {
          const point = points.get(start);
          if (point) point[KEYED[by].distinct] = count;
        }
      });
    }
    return [...points].map(([start, totals]) => ({
      start,
      ...present(totals, totals.active_conversations, totals.senders),
    }));
  }

  /** The messages of the batch not yet counted for `kind`, each once, marked as counted. */
  private async firstCounts(
    trx: Kysely<AnalyticsTables>,
    messages: readonly ReceivedMessage[],
    kind: CountedKind,
  ): Promise<ReceivedMessage[]> {
    const byKey = new Map(messages.map((message) => [message.key, message]));
    const fresh: ReceivedMessage[] = [];
    for (const part of powerOfTwoChunks([...byKey.keys()], MAX_ROWS)) {
      const { rows } = await this.counted.run(
        trx,
        part.map((key) => ({ message_key: key, kind })),
      );
      for (const row of rows) fresh.push(byKey.get(row.message_key)!);
    }
    return fresh;
  }

  private async contentTypes(span: EdgedSpan): Promise<ContentTypeCount[]> {
    const { rows } = await this.contentTypesQuery.run(this.reader, span);
    return rows.map((row) => ({
      contentType: row.content_type,
      attachments: Number(row.attachments),
      bytes: Number(row.bytes),
    }));
  }

  /** Distinct keys over the span and the busiest ones. */
  private async keyedIn(
    by: TopBy,
    span: EdgedSpan,
    limit: number,
  ): Promise<{ distinct: number; top: { key: string; messages: number }[] }> {
    const { rows } = await this.keyedQueries.get(by)!.run(this.reader, { ...span, limit });
    return {
      distinct: Number(rows[0]?.keys ?? 0),
      top: rows.map((row) => ({ key: row.key, messages: Number(row.messages) })),
    };
  }

  /**
   * Distinct keys per day at a whole-hour offset. Such a day is the tail of
   * one UTC day (from hour `shift` on) and the head of the next (before it):
   * its keys are those seen in the tail, plus those seen in the head, less
   * those seen in both; first and last hour of each UTC day row tell which.
   */
  private async distinctPerShiftedDay(
    by: TopBy,
    offsetHours: number,
    span: HourSpan,
  ): Promise<Map<number, number>> {
    const shift = (((-offsetHours % 24) + 24) % 24) * HOUR_MS;
    const shiftHours = shift / HOUR_MS;
    // The keys seen in both parts are found from the side with fewer hours.
    const drive = shiftHours >= 12 ? 'tails' : 'heads';
    const { rows } = await this.shiftedDayQueries.get(`${by}:${drive}`)!.run(this.reader, {
      from: span.from - DAY_MS,
      to: span.to + DAY_MS,
      shift: shiftHours,
    });
    const counts = new Map<number, number>();
    const add = (start: number, count: number) =>
      counts.set(start, (counts.get(start) ?? 0) + count);
    for (const row of rows) {
      const day = Number(row.day_start);
      add(day - DAY_MS + shift, Number(row.heads));
      add(day + shift, Number(row.tails));
      add(drive === 'tails' ? day + shift : day - DAY_MS + shift, -Number(row.spanning));
    }
    return counts;
  }
}

/** The per-key tables of conversations or of senders, written together. */
class KeyedRollups {
  private readonly hourly: Rollup<KeyedRow>;
  private readonly daily: Rollup<KeyedRow>;
  private readonly totals: Rollup<KeyedRow>;
  private readonly tables: (typeof KEYED)[TopBy];

  constructor(db: Kysely<AnalyticsTables>, by: TopBy) {
    this.tables = KEYED[by];
    const { hourly, daily, totals, column } = this.tables;
    this.hourly = new Rollup(db, {
      table: hourly,
      keys: ['bucket_start', column],
      sums: ['messages'],
      presence: 'messages',
    });
    this.daily = new Rollup(db, {
      table: daily,
      keys: ['day_start', column],
      sums: ['messages'],
      least: ['first_hour'],
      greatest: ['last_hour'],
      presence: 'messages',
    });
    this.totals = new Rollup(db, {
      table: totals,
      keys: [column],
      sums: ['messages'],
      least: ['first_bucket'],
      greatest: ['last_bucket'],
    });
  }

  /** Counts the messages per key; returns the hours and days where a key was new, once per key. */
  async add(
    trx: Kysely<AnalyticsTables>,
    messages: readonly ReceivedMessage[],
  ): Promise<{ hours: number[]; days: number[] }> {
    const { column, keyOf } = this.tables;
    const hours: KeyedRow[] = [];
    const days: KeyedRow[] = [];
    const totals: KeyedRow[] = [];
    for (const message of messages) {
      const key = keyOf(message);
      if (key === null) continue;
      const hour = hourBucket(message.receivedAt);
      const day = dayBucket(message.receivedAt);
      const hourOfDay = (hour - day) / HOUR_MS;
      hours.push({ bucket_start: hour, [column]: key, messages: 1 });
      days.push({
        day_start: day,
        [column]: key,
        messages: 1,
        first_hour: hourOfDay,
        last_hour: hourOfDay,
      });
      totals.push({ [column]: key, messages: 1, first_bucket: hour, last_bucket: hour });
    }
    const newHours = await this.hourly.add(trx, hours);
    const newDays = await this.daily.add(trx, days);
    await this.totals.add(trx, totals);
    return {
      hours: newHours.map((row) => Number(row.bucket_start)),
      days: newDays.map((row) => Number(row.day_start)),
    };
  }
}

type KeyedRow = Record<string, number | string>;

interface HourSpan {
  /** First hour bucket, inclusive. */
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

/**
 * A span cut into whole UTC days, [firstDay, lastDay), and the hours at
 * either end: [from, headEnd) and [tailStart, to).
 */
interface EdgedSpan extends HourSpan {
  readonly firstDay: number;
  readonly lastDay: number;
  readonly headEnd: number;
  readonly tailStart: number;
}

function edged(span: HourSpan): EdgedSpan {
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
function hoursOf(range: TimeRange): HourSpan {
  return {
    from: range.since === undefined ? 0 : hourBucket(new Date(range.since)),
    to: range.until ?? Number.MAX_SAFE_INTEGER,
  };
}

const ZERO = Object.fromEntries(TOTALS_COLUMNS.map((column) => [column, 0])) as unknown as Totals;

function noTotals(): Totals {
  return { ...ZERO };
}

/** Zero everywhere but one in `column`. */
function only(column: keyof Totals): Totals {
  return { ...noTotals(), [column]: 1 };
}

/** One message's contribution to its hour and its day. */
function totalsOf(message: ReceivedMessage): Totals {
  const totals = noTotals();
  totals.messages = 1;
  if (message.file) {
    totals.attachments = 1;
    totals.attachment_bytes = message.file.size ?? 0;
  }
  if (message.receiverConnected === false) totals.offline_messages = 1;
  const delay = delayBucket(message.receivedAt.getTime() - message.timeStamp);
  if (delay !== null) totals[DELAY_COLUMN_OF.get(delay)!] = 1;
  return totals;
}

type TotalsRow = Partial<Record<keyof Totals, unknown>>;

/** Adds a row's counters (PostgreSQL returns bigint sums as text; an empty SUM is null). */
function addTotals(
  into: Totals,
  row: TotalsRow,
  columns: readonly (keyof Totals)[] = TOTALS_COLUMNS,
): void {
  for (const column of columns) into[column] += Number(row[column] ?? 0);
}

function present(totals: Totals, activeConversations: number, senders: number): AnalyticsTotals {
  return {
    messages: totals.messages,
    attachments: totals.attachments,
    attachmentBytes: totals.attachment_bytes,
    offlineMessages: totals.offline_messages,
    conversationsStarted: totals.conversations_started,
    offlineShare: totals.messages === 0 ? 0 : totals.offline_messages / totals.messages,
    activeConversations,
    senders,
    webhookDelayMs: delayPercentiles(
      new Map(DELAY_COLUMNS.map(([bound, column]) => [bound, totals[column]])),
    ),
  };
}

/** A raw SQL query prepared like a built one: compiled once, run with new parameters. */
function prepareSql<P extends object, R>(
  db: Kysely<AnalyticsTables>,
  build: (p: { readonly [K in keyof P]: P[K] }) => RawBuilder<R>,
): PreparedQuery<P, R> {
  return new PreparedQuery<P, R>((p) => ({ compile: () => build(p).compile(db) }));
}

type KeyedTables = (typeof KEYED)[TopBy];

/**
 * Distinct keys over a span and the busiest ones, in one statement. A key
 * whose first and last hour lie inside the span counts its all-time total
 * (read in first-hour order, no grouping); only the keys that straddle an end
 * of the span are summed from their days and edge hours.
 */
function keyedSql(t: KeyedTables) {
  return (p: { readonly [K in keyof (EdgedSpan & { limit: number })]: number }) => {
    const key = sql.ref(t.column);
    const totals = sql.table(t.totals);
    const inside = sql`first_bucket >= ${p.from} and first_bucket < ${p.to} and last_bucket < ${p.to}`;
    // Straddlers by last hour: seen last inside the span and first before it, or seen after it
    // and first before its end. `+first_bucket` is no index term: SQLite reads the last-hour
    // index (the keys seen since `from`), never the first-hour one (every key seen before it).
    return sql<{ key: string; messages: number; keys: number }>`
      with straddlers as materialized (
        select ${key} as key from ${totals}
          where last_bucket >= ${p.from} and last_bucket < ${p.to} and +first_bucket < ${p.from}
        union all
        select ${key} from ${totals}
          where last_bucket >= ${p.to} and +first_bucket < ${p.to}
      ), partial as (
        select key, sum(messages) as messages from (
          select s.key, d.messages from straddlers as s cross join ${sql.table(t.daily)} as d
            where d.${key} = s.key and d.day_start >= ${p.firstDay} and d.day_start < ${p.lastDay}
          union all
          select ${key}, messages from ${sql.table(t.hourly)}
            where bucket_start >= ${p.from} and bucket_start < ${p.headEnd}
              and ${key} in (select key from straddlers)
          union all
          select ${key}, messages from ${sql.table(t.hourly)}
            where bucket_start >= ${p.tailStart} and bucket_start < ${p.to}
              and ${key} in (select key from straddlers)
        ) as kept group by key
      )
      select key, messages,
        (select count(*) from ${totals} where ${inside}) + (select count(*) from partial) as keys
      from (
        select key, messages from (
          select ${key} as key, messages from ${totals} where ${inside}
          order by messages desc, ${key} limit ${p.limit}
        ) as whole
        union all
        select key, messages from partial
      ) as ranked
      order by messages desc, key limit ${p.limit}`;
  };
}

/**
 * Per UTC day: the keys seen before hour `shift` (heads), from it on
 * (tails), and those of the tails also seen in the next day's head (or of
 * the heads also seen in the previous day's tail), looked up by key.
 */
function shiftedDaysSql(t: KeyedTables, drive: 'tails' | 'heads') {
  return (p: { readonly from: number; readonly to: number; readonly shift: number }) => {
    const key = sql.ref(t.column);
    const table = sql.table(t.daily);
    const both =
      drive === 'tails'
        ? sql`d.last_hour >= ${p.shift} and exists (select 1 from ${table} o
            where o.day_start = d.day_start + ${sql.lit(DAY_MS)} and o.${key} = d.${key} and o.first_hour < ${p.shift})`
        : sql`d.first_hour < ${p.shift} and exists (select 1 from ${table} o
            where o.day_start = d.day_start - ${sql.lit(DAY_MS)} and o.${key} = d.${key} and o.last_hour >= ${p.shift})`;
    return sql<{ day_start: number; heads: number; tails: number; spanning: number }>`
      select day_start,
        sum(case when first_hour < ${p.shift} then 1 else 0 end) as heads,
        sum(case when last_hour >= ${p.shift} then 1 else 0 end) as tails,
        sum(case when ${both} then 1 else 0 end) as spanning
      from ${table} as d
      where day_start >= ${p.from} and day_start < ${p.to}
      group by day_start`;
  };
}
