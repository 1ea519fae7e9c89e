import { Kysely } from 'kysely';

const counter = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_hourly')
    .addColumn('bucket_start', 'bigint', (col) => col.primaryKey())
    .addColumn('messages', counter, (col) => col.notNull().defaultTo(0))
    .addColumn('attachments', counter, (col) => col.notNull().defaultTo(0))
    .addColumn('attachment_bytes', counter, (col) => col.notNull().defaultTo(0))
    .addColumn('offline_messages', counter, (col) => col.notNull().defaultTo(0))
    .addColumn('conversations_started', counter, (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('analytics_hourly_conversations')
    .addColumn('bucket_start', 'bigint', (col) => col.notNull())
    .addColumn('conversation_key', 'text', (col) => col.notNull())
    .addColumn('messages', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_hourly_conversations_pk', [
      'bucket_start',
      'conversation_key',
    ])
    .execute();
  await db.schema
    .createTable('analytics_hourly_senders')
    .addColumn('bucket_start', 'bigint', (col) => col.notNull())
    .addColumn('sender', 'text', (col) => col.notNull())
    .addColumn('messages', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_hourly_senders_pk', ['bucket_start', 'sender'])
    .execute();
  await db.schema
    .createTable('analytics_hourly_content_types')
    .addColumn('bucket_start', 'bigint', (col) => col.notNull())
    .addColumn('content_type', 'text', (col) => col.notNull())
    .addColumn('attachments', counter, (col) => col.notNull().defaultTo(0))
    .addColumn('bytes', counter, (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('analytics_hourly_content_types_pk', ['bucket_start', 'content_type'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'analytics_hourly_content_types',
    'analytics_hourly_senders',
    'analytics_hourly_conversations',
    'analytics_hourly',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
