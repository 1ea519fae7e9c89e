import type { Kysely } from 'kysely';

/**
 * Support metrics: each message's role and time, each sender's latest
 * classification, and the sessions and waits computed from the messages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('support_messages')
    .addColumn('message_key', 'text', (col) => col.primaryKey())
    .addColumn('conversation_key', 'text', (col) => col.notNull())
    .addColumn('sender', 'text', (col) => col.notNull())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('role_reason', 'text', (col) => col.notNull())
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('observed_first', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('observed_reply', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // A conversation's messages in time order (recomputing its sessions); customer messages by time (the heatmap).
  await db.schema
    .createIndex('support_messages_conversation')
    .on('support_messages')
    .columns(['conversation_key', 'at'])
    .execute();
  await db.schema
    .createIndex('support_messages_role_at')
    .on('support_messages')
    .columns(['role', 'at'])
    .execute();

  await db.schema
    .createTable('support_senders')
    .addColumn('sender', 'text', (col) => col.primaryKey())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('role_reason', 'text', (col) => col.notNull())
    .addColumn('metadata', 'text', (col) => col.notNull())
    .addColumn('last_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('support_senders_last_at')
    .on('support_senders')
    .column('last_at')
    .execute();

  await db.schema
    .createTable('support_sessions')
    .addColumn('conversation_key', 'text', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('ended_at', 'bigint', (col) => col.notNull())
    .addColumn('first_message_key', 'text', (col) => col.notNull())
    .addColumn('initiator', 'text', (col) => col.notNull())
    .addColumn('customer', 'text')
    .addColumn('agents', 'text', (col) => col.notNull())
    .addColumn('messages', 'integer', (col) => col.notNull())
    .addColumn('customer_messages', 'integer', (col) => col.notNull())
    .addColumn('agent_messages', 'integer', (col) => col.notNull())
    .addColumn('bot_messages', 'integer', (col) => col.notNull())
    .addColumn('first_customer_at', 'bigint')
    .addColumn('first_response_ms', 'bigint')
    .addColumn('first_response_business_ms', 'bigint')
    .addColumn('first_response_with_bots_ms', 'bigint')
    .addColumn('first_response_with_bots_business_ms', 'bigint')
    .addColumn('handoff_ms', 'bigint')
    .addColumn('handoff_business_ms', 'bigint')
    .addColumn('waiting_since', 'bigint')
    .addPrimaryKeyConstraint('support_sessions_pk', ['conversation_key', 'started_at'])
    .execute();
  // Ranges read sessions by start; unanswered ones (alerts, later) by the start of their wait.
  await db.schema
    .createIndex('support_sessions_started')
    .on('support_sessions')
    .column('started_at')
    .execute();
  await db.schema
    .createIndex('support_sessions_waiting')
    .on('support_sessions')
    .column('waiting_since')
    .execute();

  await db.schema
    .createTable('support_waits')
    .addColumn('customer_message_key', 'text', (col) => col.primaryKey())
    .addColumn('conversation_key', 'text', (col) => col.notNull())
    .addColumn('session_started_at', 'bigint', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('ended_by', 'text')
    .addColumn('ended_at', 'bigint')
    .addColumn('reply_message_key', 'text')
    .addColumn('wait_ms', 'bigint')
    .addColumn('business_wait_ms', 'bigint')
    .execute();
  await db.schema
    .createIndex('support_waits_session')
    .on('support_waits')
    .columns(['conversation_key', 'session_started_at'])
    .execute();
  await db.schema
    .createIndex('support_waits_started')
    .on('support_waits')
    .column('started_at')
    .execute();
  await db.schema
    .createIndex('support_waits_ended')
    .on('support_waits')
    .columns(['ended_by', 'ended_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'support_waits',
    'support_sessions',
    'support_senders',
    'support_messages',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
