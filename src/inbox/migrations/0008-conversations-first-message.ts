import type { Kysely } from 'kysely';

/**
 * A conversation row records only its first message now. Its running count
 * and last-seen time were written by every message and read by nothing, and
 * that write locked the conversation's row in each message's transaction:
 * two instances taking messages of the same conversations waited on, and
 * deadlocked over, each other's rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversations').dropColumn('message_count').execute();
  await db.schema.alterTable('conversations').dropColumn('last_seen_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    .addColumn('last_seen_at', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('message_count', 'integer', (col) => col.notNull().defaultTo(1))
    .execute();
}
