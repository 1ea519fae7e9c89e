import { Kysely, sql } from 'kysely';

const counter = 'bigint';
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The webhook-delay histogram's upper bounds as of this migration (ms). */
const DELAY_BOUNDS = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000, 86_400_000,
];
const delayColumn = (bound: number): string => `delay_le_${bound}`;
const TOTALS = [
  'messages',
  'attachments',
  'attachment_bytes',
  'offline_messages',
  'conversations_started',
  'active_conversations',
  'senders',
  ...DELAY_BOUNDS.map(delayColumn),
];
const KEYED = [
  {
    hourly: 'analytics_hourly_conversations',
    daily: 'analytics_daily_conversations',
    key: 'conversation_key',
    totals: 'analytics_conversation_totals',
    distinct: 'active_conversations',
  },
  {
    hourly: 'analytics_hourly_senders',
    daily: 'analytics_daily_senders',
    key: 'sender',
    totals: 'analytics_sender_totals',
    distinct: 'senders',
  },
] as const;

/**
 * Reshapes the aggregates so that reads stay small: every count of an hour
 * (distinct keys and the delay histogram included) in one row, the same per
 * UTC day, the hours of the day each key was seen in, and each key's
 * all-time count and span. Everything is filled from the aggregates kept so far.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['active_conversations', 'senders', ...DELAY_BOUNDS.map(delayColumn)]) {
    await db.schema
      .alterTable('analytics_hourly')
      .addColumn(column, counter, (col) => col.notNull().defaultTo(0))
      .execute();
  }
  for (const { hourly, distinct } of KEYED) {
    await sql`
      update analytics_hourly set ${sql.ref(distinct)} = k.n
      from (select bucket_start, count(*) as n from ${sql.table(hourly)} group by bucket_start) as k
      where k.bucket_start = analytics_hourly.bucket_start`.execute(db);
  }
  const pivot = DELAY_BOUNDS.map(
    (bound) =>
      sql`sum(case when upper_ms = ${sql.lit(bound)} then count else 0 end) as ${sql.ref(delayColumn(bound))}`,
  );
  await sql`
    update analytics_hourly set ${sql.join(
      DELAY_BOUNDS.map(
        (bound) => sql`${sql.ref(delayColumn(bound))} = d.${sql.ref(delayColumn(bound))}`,
      ),
    )}
    from (select bucket_start, ${sql.join(pivot)} from analytics_hourly_delay group by bucket_start) as d
    where d.bucket_start = analytics_hourly.bucket_start`.execute(db);
  await db.schema.dropTable('analytics_hourly_delay').execute();

  let daily = db.schema
    .createTable('analytics_daily')
    .addColumn('day_start', 'bigint', (col) => col.primaryKey());
  for (const column of TOTALS) {
    daily = daily.addColumn(column, counter, (col) => col.notNull().defaultTo(0));
  }
  await daily.execute();
  await sql`
    insert into analytics_daily (day_start, ${sql.join(TOTALS.map((column) => sql.ref(column)))})
    select bucket_start - bucket_start % ${sql.lit(DAY)}, ${sql.join(
      TOTALS.map((column) => sql`sum(${sql.ref(column)})`),
    )}
    from analytics_hourly group by 1`.execute(db);

  for (const { hourly, daily: dailyKeyed, key, totals, distinct } of KEYED) {
    for (const column of ['first_hour', 'last_hour']) {
      await db.schema
        .alterTable(dailyKeyed)
        .addColumn(column, 'integer', (col) => col.notNull().defaultTo(0))
        .execute();
    }
    await sql`
      update ${sql.table(dailyKeyed)} set first_hour = h.first_hour, last_hour = h.last_hour
      from (
        select bucket_start - bucket_start % ${sql.lit(DAY)} as day_start, ${sql.ref(key)} as key,
          min(bucket_start % ${sql.lit(DAY)}) / ${sql.lit(HOUR)} as first_hour,
          max(bucket_start % ${sql.lit(DAY)}) / ${sql.lit(HOUR)} as last_hour
        from ${sql.table(hourly)} group by 1, 2
      ) as h
      where h.day_start = ${sql.table(dailyKeyed)}.day_start and h.key = ${sql.table(dailyKeyed)}.${sql.ref(key)}`.execute(
      db,
    );
    // The days of the few keys that straddle a range's ends are looked up by key.
    await db.schema
      .createIndex(`${dailyKeyed}_key`)
      .on(dailyKeyed)
      .columns([key, 'day_start'])
      .execute();
    await sql`
      update analytics_daily set ${sql.ref(distinct)} = k.n
      from (select day_start, count(*) as n from ${sql.table(dailyKeyed)} group by day_start) as k
      where k.day_start = analytics_daily.day_start`.execute(db);

    await db.schema
      .createTable(totals)
      .addColumn(key, 'text', (col) => col.primaryKey())
      .addColumn('messages', counter, (col) => col.notNull().defaultTo(0))
      .addColumn('first_bucket', 'bigint', (col) => col.notNull())
      .addColumn('last_bucket', 'bigint', (col) => col.notNull())
      .execute();
    await sql`
      insert into ${sql.table(totals)} (${sql.ref(key)}, messages, first_bucket, last_bucket)
      select ${sql.ref(key)}, sum(messages), min(bucket_start), max(bucket_start)
      from ${sql.table(hourly)} group by 1`.execute(db);
    // Keys seen only inside a range are read in first-hour order; those that straddle its start, by last hour.
    await db.schema
      .createIndex(`${totals}_first`)
      .on(totals)
      .columns(['first_bucket', 'last_bucket', 'messages', key])
      .execute();
    await db.schema
      .createIndex(`${totals}_last`)
      .on(totals)
      .columns(['last_bucket', 'first_bucket'])
      .execute();
  }

  await db.schema
    .createTable('analytics_daily_content_types')
    .addColumn('day_start', 'bigint', (col) => col.notNull())
    .addColumn('content_type', 'text', (col) => col.notNull())
    .addColumn('attachments', counter, (col) => col.notNull().defaultTo(0))
    .addColumn('bytes', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_daily_content_types_pk', ['day_start', 'content_type'])
    .execute();
  await sql`
    insert into analytics_daily_content_types (day_start, content_type, attachments, bytes)
    select bucket_start - bucket_start % ${sql.lit(DAY)}, content_type, sum(attachments), sum(bytes)
    from analytics_hourly_content_types group by 1, 2`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('analytics_daily_content_types').execute();
  for (const { daily, totals } of KEYED) {
    await db.schema.dropIndex(`${daily}_key`).execute();
    await db.schema.dropIndex(`${totals}_last`).execute();
    await db.schema.dropIndex(`${totals}_first`).execute();
    await db.schema.dropTable(totals).execute();
    for (const column of ['first_hour', 'last_hour']) {
      await db.schema.alterTable(daily).dropColumn(column).execute();
    }
  }
  await db.schema.dropTable('analytics_daily').execute();

  await db.schema
    .createTable('analytics_hourly_delay')
    .addColumn('bucket_start', 'bigint', (col) => col.notNull())
    .addColumn('upper_ms', 'bigint', (col) => col.notNull())
    .addColumn('count', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_hourly_delay_pk', ['bucket_start', 'upper_ms'])
    .execute();
  for (const bound of DELAY_BOUNDS) {
    await sql`
      insert into analytics_hourly_delay (bucket_start, upper_ms, count)
      select bucket_start, ${sql.lit(bound)}, ${sql.ref(delayColumn(bound))} from analytics_hourly
      where ${sql.ref(delayColumn(bound))} > 0`.execute(db);
  }
  for (const column of ['active_conversations', 'senders', ...DELAY_BOUNDS.map(delayColumn)]) {
    await db.schema.alterTable('analytics_hourly').dropColumn(column).execute();
  }
}
