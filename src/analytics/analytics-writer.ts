import { Kysely, sql } from 'kysely';
import type { ReceivedMessage } from '../messages';
import type { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { columnsOf, PreparedByCount, PreparedQuery } from '../storage/prepared-query';
import { KEY_KINDS, KEYED, noTotals, only, TOTALS_COLUMNS, Totals } from './analytics-columns';
import { prepareSql } from './analytics-sql';
import { dayBucket, HOUR_MS, hourBucket, TopBy } from './analytics-store';
import type {
  AnalyticsDailyContentTypesTable,
  AnalyticsDailyTable,
  AnalyticsHourlyContentTypesTable,
  AnalyticsHourlyTable,
  AnalyticsTables,
} from './analytics.tables';
import { DELAY_COLUMNS, delayBucket } from './delay-histogram';
import { MAX_ROWS, powerOfTwoChunks, Rollup } from './rollup';

/** A message counted once per aggregate; the marker's kind names the aggregate. */
type CountedKind = 'message' | 'conversation-started';

const DELAY_COLUMN_OF = new Map(DELAY_COLUMNS);

/**
 * The PostgreSQL advisory lock analytics writes take turns by: a constant
 * nothing else uses ('khan'), and the schema, so that services sharing a
 * database in schemas of their own do not wait for each other.
 */
/**
 * Every instance adds to the same hours and days: on PostgreSQL these writes
 * run in transactions of their own, so a webhook's batch never holds, or
 * waits for, the turn below.
 */
const CONTENDED = { contended: true } as const;

const WRITE_LOCK = sql`pg_advisory_xact_lock(${sql.lit(0x6b68_616e)}, hashtext(current_schema()))`;

/**
 * What the batch listeners write: each batch in one write, its messages
 * marked as counted first, then every rollup table upserted through
 * `Rollup` (`insert … on conflict (keys) do update set c = c + excluded.c`).
 * Nothing is read and then written back, so instances that write the same
 * rows at once (PostgreSQL) add up exactly: the row lock of the upsert
 * orders them.
 */
export class AnalyticsWriter {
  private readonly query: Kysely<AnalyticsTables>;
  private readonly counted: PreparedByCount<
    { message_key: string; kind: CountedKind },
    { message_key: string }
  >;
  private readonly hourly: Rollup<AnalyticsHourlyTable>;
  private readonly daily: Rollup<AnalyticsDailyTable>;
  private readonly hourlyContentTypes: Rollup<AnalyticsHourlyContentTypesTable>;
  private readonly dailyContentTypes: Rollup<AnalyticsDailyContentTypesTable>;
  private readonly keyed: ReadonlyMap<TopBy, KeyedRollups>;
  /**
   * On PostgreSQL, each instance's analytics write first waits for the
   * others' to commit. Each upsert alone adds up exactly however instances
   * interleave, but one transaction holds several batches (the group
   * commit), each locking its rows in its own order: two instances then
   * deadlock, PostgreSQL notices only after `deadlock_timeout` (1 s) and one
   * of them starts over. Every batch writes the current hour's and day's
   * rows, so instances take turns on those anyway; this takes the turn first.
   */
  private readonly takeTurn: PreparedQuery<object> | undefined;

  constructor(private readonly db: Database) {
    const query = (this.query = tablesOf<AnalyticsTables>(db));
    this.counted = new PreparedByCount(
      (rows) =>
        query
          .insertInto('analytics_counted')
          .values(rows.map((row) => columnsOf(row, ['message_key', 'kind'])))
          .onConflict((oc) => oc.columns(['message_key', 'kind']).doNothing())
          .returning('message_key'),
      MAX_ROWS,
    );
    this.hourly = new Rollup(query, {
      table: 'analytics_hourly',
      keys: ['bucket_start'],
      sums: TOTALS_COLUMNS,
    });
    this.daily = new Rollup(query, {
      table: 'analytics_daily',
      keys: ['day_start'],
      sums: TOTALS_COLUMNS,
    });
    this.hourlyContentTypes = new Rollup(query, {
      table: 'analytics_hourly_content_types',
      keys: ['bucket_start', 'content_type'],
      sums: ['attachments', 'bytes'],
    });
    this.dailyContentTypes = new Rollup(query, {
      table: 'analytics_daily_content_types',
      keys: ['day_start', 'content_type'],
      sums: ['attachments', 'bytes'],
    });
    this.keyed = new Map(KEY_KINDS.map((by) => [by, new KeyedRollups(query, by)]));
    this.takeTurn =
      db.dialect.name === 'postgres'
        ? prepareSql(query, () => sql`select ${WRITE_LOCK}`)
        : undefined;
  }

  /**
   * Counts the messages not counted before, all in one write: the markers
   * first (a retry, a replay or a key twice in the batch counts once), then
   * one upsert per rollup table.
   */
  async recordMessages(messages: readonly ReceivedMessage[]): Promise<void> {
    await this.db.write(async (transaction) => {
      const trx = tablesOf<AnalyticsTables>(transaction);
      await this.takeTurn?.run(trx, {});
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
    }, CONTENDED);
  }

  async recordConversationsStarted(messages: readonly ReceivedMessage[]): Promise<void> {
    await this.db.write(async (transaction) => {
      const trx = tablesOf<AnalyticsTables>(transaction);
      await this.takeTurn?.run(trx, {});
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
}

type KeyedRow = Record<string, number | string>;

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
