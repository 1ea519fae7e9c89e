import { Kysely, sql } from 'kysely';

const counter = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Webhook delay (received − timeStamp) as a histogram per hour: upper bound in ms → count.
  await db.schema
    .createTable('analytics_hourly_delay')
    .addColumn('bucket_start', 'bigint', (col) => col.notNull())
    .addColumn('upper_ms', 'bigint', (col) => col.notNull())
    .addColumn('count', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_hourly_delay_pk', ['bucket_start', 'upper_ms'])
    .execute();

  // Per UTC day as well, so that distinct counts and top lists over a month read
  // days, not every hour of every conversation.
  await db.schema
    .createTable('analytics_daily_conversations')
    .addColumn('day_start', 'bigint', (col) => col.notNull())
    .addColumn('conversation_key', 'text', (col) => col.notNull())
    .addColumn('messages', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_daily_conversations_pk', ['day_start', 'conversation_key'])
    .execute();
  await db.schema
    .createTable('analytics_daily_senders')
    .addColumn('day_start', 'bigint', (col) => col.notNull())
    .addColumn('sender', 'text', (col) => col.notNull())
    .addColumn('messages', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_daily_senders_pk', ['day_start', 'sender'])
    .execute();

  // Days from the hours already kept, for a store that had traffic before this migration.
  await sql`
    insert into analytics_daily_conversations (day_start, conversation_key, messages)
    select bucket_start - (bucket_start % 86400000), conversation_key, sum(messages)
    from analytics_hourly_conversations group by 1, 2`.execute(db);
  await sql`
    insert into analytics_daily_senders (day_start, sender, messages)
    select bucket_start - (bucket_start % 86400000), sender, sum(messages)
    from analytics_hourly_senders group by 1, 2`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('analytics_daily_senders').execute();
  await db.schema.dropTable('analytics_daily_conversations').execute();
  await db.schema.dropTable('analytics_hourly_delay').execute();
}
