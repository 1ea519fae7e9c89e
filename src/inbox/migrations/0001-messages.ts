import { Kysely, sql } from 'kysely';
import { idColumn } from '../../storage/schema';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', idColumn(db).type, idColumn(db).build)
    .addColumn('key', 'text', (col) => col.notNull().unique())
    .addColumn('conversation_key', 'text')
    .addColumn('from_user', 'text', (col) => col.notNull())
    .addColumn('to_user', 'text')
    .addColumn('text', 'text', (col) => col.notNull())
    .addColumn('time_stamp', 'bigint', (col) => col.notNull())
    .addColumn('received_at', 'bigint', (col) => col.notNull())
    .addColumn('group_id', 'bigint')
    .addColumn('client_group_id', 'text')
    .addColumn('group_name', 'text')
    .addColumn('conversation_id', 'bigint')
    .addColumn('receiver_connected', 'integer')
    .addColumn('receiver_last_seen_at', 'bigint')
    .addColumn('file_name', 'text')
    .addColumn('file_url', 'text')
    .addColumn('file_content_type', 'text')
    .addColumn('file_size', 'bigint')
    .addColumn('file_thumbnail_url', 'text')
    .addColumn('metadata', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('raw', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('messages_conversation_received')
    .on('messages')
    .columns(['conversation_key', 'received_at'])
    .execute();
  await db.schema
    .createIndex('messages_received')
    .on('messages')
    .columns(['received_at', 'id'])
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('conversation_key', 'text', (col) => col.primaryKey())
    .addColumn('first_message_key', 'text', (col) => col.notNull())
    .addColumn('first_seen_at', 'bigint', (col) => col.notNull())
    .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
    .addColumn('message_count', 'integer', (col) => col.notNull().defaultTo(sql`1`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('conversations').execute();
  await db.schema.dropTable('messages').execute();
}
