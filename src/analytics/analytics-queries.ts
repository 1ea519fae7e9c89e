import { Kysely } from 'kysely';
import type { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { PreparedQuery } from '../storage/prepared-query';
import {
  ADDITIVE_COLUMNS,
  EdgedSpan,
  edged,
  HourSpan,
  hoursOf,
  KEY_KINDS,
  KEYED,
  noTotals,
  TOTALS_COLUMNS,
  Totals,
} from './analytics-columns';
import { inByteOrder, keyedSql, prepareSql, shiftedDaysSql } from './analytics-sql';
import {
  AnalyticsSummary,
  AnalyticsTotals,
  BucketSize,
  ContentTypeCount,
  DAY_MS,
  HOUR_MS,
  TimeRange,
  TimeseriesPoint,
  TopBy,
} from './analytics-store';
import type {
  AnalyticsDailyTable,
  AnalyticsHourlyTable,
  AnalyticsTables,
} from './analytics.tables';
import { DELAY_COLUMNS, delayPercentiles } from './delay-histogram';

/**
 * The reads behind the analytics routes, prepared once for the store's
 * dialect. Their cost follows the range asked for, not the traffic: whole
 * UTC days are read from the day rows, only the hours at either end from
 * the hour rows, and per-key counts from each key's all-time row unless the
 * key straddles an end of the range.
 */
export class AnalyticsQueries {
  private readonly reader: Kysely<AnalyticsTables>;
  private readonly totalsQuery: PreparedQuery<EdgedSpan, Totals>;
  private readonly contentTypesQuery: PreparedQuery<
    EdgedSpan,
    { content_type: string; attachments: number; bytes: number }
  >;
  private readonly hoursQuery: PreparedQuery<HourSpan, AnalyticsHourlyTable>;
  private readonly daysQuery: PreparedQuery<HourSpan, AnalyticsDailyTable>;
  private readonly keyedQueries: ReadonlyMap<
    TopBy,
    PreparedQuery<EdgedSpan & { limit: number }, { key: string; messages: number; keys: number }>
  >;
  private readonly shiftedDayQueries: ReadonlyMap<
    string,
    PreparedQuery<
      { from: number; to: number; shift: number },
      { day_start: number; heads: number; tails: number; spanning: number }
    >
  >;

  constructor(db: Database) {
    const query = (this.reader = tablesOf<AnalyticsTables>(db));
    const dialect = db.dialect.name;
    this.totalsQuery = new PreparedQuery((p) =>
      query
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
    this.contentTypesQuery = new PreparedQuery((p) =>
      query
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
        .orderBy(inByteOrder(dialect, 'content_type')),
    );
    this.hoursQuery = new PreparedQuery((p) =>
      query
        .selectFrom('analytics_hourly')
        .select(['bucket_start', ...TOTALS_COLUMNS])
        .where('bucket_start', '>=', p.from)
        .where('bucket_start', '<', p.to),
    );
    this.daysQuery = new PreparedQuery((p) =>
      query
        .selectFrom('analytics_daily')
        .select(['day_start', ...TOTALS_COLUMNS])
        .where('day_start', '>=', p.from)
        .where('day_start', '<', p.to),
    );
    this.keyedQueries = new Map(
      KEY_KINDS.map((by) => [by, prepareSql(query, keyedSql(KEYED[by], dialect))]),
    );
    this.shiftedDayQueries = new Map(
      KEY_KINDS.flatMap((by) =>
        (['tails', 'heads'] as const).map((drive) => [
          `${by}:${drive}`,
          prepareSql(query, shiftedDaysSql(KEYED[by], drive)),
        ]),
      ),
    );
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

  /**
   * Days at an offset are cut in JavaScript, on epoch milliseconds, and in
   * SQL only on whole hours of a UTC day: no dialect's date functions (or
   * time zone) take part, so both stores cut them alike.
   */
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

type TotalsRow = Partial<Record<keyof Totals, unknown>>;

/** Adds a row's counters (an empty SUM is null; numbers may come back as text from a driver). */
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
