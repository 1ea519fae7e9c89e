import type { Kysely } from 'kysely';

/**
 * One row per (message, aggregate) already counted: retries and replays don't
 * count twice. Created with the deliveries (0003) before each module kept its
 * own schema; a store made then has it already.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_counted')
    .ifNotExists()
    .addColumn('message_key', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('analytics_counted_pk', ['message_key', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('analytics_counted').execute();
}
