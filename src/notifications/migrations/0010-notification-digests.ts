import type { Kysely } from 'kysely';

/**
 * One row per digest due: (rule, channel, period start) is unique, so of all
 * instances and restarts only the one whose insert or update wins sends it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_digests')
    .addColumn('rule', 'text', (col) => col.notNull())
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('period_start', 'bigint', (col) => col.notNull())
    .addColumn('period_end', 'bigint', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('notification_digests_pk', ['rule', 'channel', 'period_start'])
    .execute();
  // The periods still to send, by when they may be tried.
  await db.schema
    .createIndex('notification_digests_ready')
    .on('notification_digests')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_digests').execute();
}
