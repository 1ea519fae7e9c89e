import { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deliveries')
    // Derived from (event id, listener), so a crash-and-redeliver or a replay hits the same row.
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('message_key', 'text', (col) => col.notNull())
    .addColumn('event_name', 'text', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('listener', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    // When the poller may take it: the next retry, or the lease expiry of a running one; null once ended.
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_duration_ms', 'integer')
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('deliveries_due')
    .on('deliveries')
    .columns(['next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('deliveries_created')
    .on('deliveries')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_status_created')
    .on('deliveries')
    .columns(['status', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_message')
    .on('deliveries')
    .columns(['message_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deliveries').execute();
}
