import type { Kysely } from 'kysely';

/**
 * The admin API's filter by sender. Created with the deliveries (0003) before
 * each module kept its own schema; a store made then has it already.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('messages_from_received')
    .ifNotExists()
    .on('messages')
    .columns(['from_user', 'received_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_from_received').execute();
}
