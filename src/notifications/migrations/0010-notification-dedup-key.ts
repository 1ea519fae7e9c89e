import { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Ties an alert's steps and its "resolved" follow-up together: conversation + wait start.
  await db.schema.alterTable('notification_log').addColumn('dedup_key', 'text').execute();
  await db.schema
    .createIndex('notification_log_dedup')
    .on('notification_log')
    .columns(['rule', 'dedup_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notification_log_dedup').execute();
  await db.schema.alterTable('notification_log').dropColumn('dedup_key').execute();
}
