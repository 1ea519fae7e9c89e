import { Kysely } from 'kysely';
import { idColumn } from '../../storage/schema';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per attempt to notify: what was sent, by which rule and channel, and how it went.
  await db.schema
    .createTable('notification_log')
    .addColumn('id', idColumn(db).type, idColumn(db).build)
    .addColumn('delivery_id', 'text', (col) => col.notNull())
    .addColumn('rule', 'text', (col) => col.notNull())
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('event_name', 'text', (col) => col.notNull())
    .addColumn('message_key', 'text', (col) => col.notNull())
    .addColumn('conversation_key', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('error', 'text')
    .addColumn('remote_status', 'integer')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notification_log_created')
    .on('notification_log')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('notification_log_throttle')
    .on('notification_log')
    .columns(['rule', 'conversation_key', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_log').execute();
}
