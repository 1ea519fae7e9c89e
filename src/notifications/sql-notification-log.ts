import { Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import type { Cursor, Page } from '../common/query/query-params';
import { Database } from '../storage/database';
import { tablesOf, WriteTransaction } from '../storage/group-commit';
import { olderThan, toPage } from '../storage/keyset';
import {
  NotificationAttempt,
  NotificationEntry,
  NotificationFilter,
  NotificationLog,
  Throttle,
} from './notification-log';
import type {
  NotificationLogTable,
  NotificationStatus,
  NotificationTables,
} from './notification.tables';

/** Sent notifications so far in the window still count against a rule's throttle. */
const COUNTED: readonly NotificationStatus[] = ['sending', 'sent'];

/**
 * The log in Kysely both stores speak. Count and insert are one write; on
 * SQLite, whose writers take turns, that alone keeps two attempts from both
 * taking the last place in a window. PostgreSQL runs writes side by side:
 * PostgresNotificationLog locks the (rule, key) pair first (`lockThrottle`).
 */
@Injectable()
export class SqlNotificationLog extends NotificationLog {
  private readonly query = tablesOf<NotificationTables>(this.db);

  constructor(protected readonly db: Database) {
    super();
  }

  begin(
    attempt: NotificationAttempt,
    now: number,
    throttle: Throttle | null,
  ): Promise<number | null> {
    return this.db.write(
      async (transaction) => {
        const trx = tablesOf<NotificationTables>(transaction);
        let throttled = false;
        if (throttle && attempt.throttleKey !== null) {
          await this.lockThrottle(transaction, attempt.rule, attempt.throttleKey);
          const { sent } = await trx
            .selectFrom('notification_log')
            .select((eb) => eb.fn.countAll<number>().as('sent'))
            .where('rule', '=', attempt.rule)
            .where('conversation_key', '=', attempt.throttleKey)
            .where('status', 'in', COUNTED)
            .where('created_at', '>', now - throttle.windowMs)
            .executeTakeFirstOrThrow();
          throttled = Number(sent) >= throttle.max;
        }
        const { id } = await trx
          .insertInto('notification_log')
          .values({
            delivery_id: attempt.deliveryId,
            rule: attempt.rule,
            channel: attempt.channel,
            event_name: attempt.eventName,
            message_key: attempt.messageKey,
            conversation_key: attempt.throttleKey,
            dedup_key: attempt.dedupKey ?? null,
            status: throttled ? 'throttled' : 'sending',
            created_at: now,
            finished_at: throttled ? now : null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return throttled ? null : Number(id);
        // The throttle's lock is taken by every instance: outside the webhooks' batches.
      },
      { contended: throttle !== null },
    );
  }

  async finish(
    id: number,
    now: number,
    outcome: {
      status: Exclude<NotificationStatus, 'sending' | 'throttled'>;
      error?: string;
      remoteStatus?: number | null;
    },
  ): Promise<void> {
    await this.db.write((trx) =>
      tablesOf<NotificationTables>(trx)
        .updateTable('notification_log')
        .set({
          status: outcome.status,
          error: outcome.error ?? null,
          remote_status: outcome.remoteStatus ?? null,
          finished_at: now,
        })
        .where('id', '=', id)
        .execute(),
    );
  }

  /** Holds other writers off one throttle's count until this write commits; none needed on SQLite. */
  protected async lockThrottle(
    _trx: WriteTransaction,
    _rule: string,
    _key: string,
  ): Promise<void> {}

  async list(
    filter: NotificationFilter,
    limit: number,
    cursor?: Cursor,
  ): Promise<Page<NotificationEntry>> {
    let query = this.query.selectFrom('notification_log').selectAll();
    if (filter.rule !== undefined) query = query.where('rule', '=', filter.rule);
    if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (cursor !== undefined) {
      query = query.where((eb) =>
        olderThan(eb, 'created_at', 'id', { ...cursor, id: Number(cursor.id) }),
      );
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, entryOf, (row) => ({
      at: Number(row.created_at),
      id: Number(row.id),
    }));
  }

  async byDedupKeys(rule: string, dedupKeys: readonly string[]): Promise<NotificationEntry[]> {
    if (dedupKeys.length === 0) return [];
    const rows = await this.query
      .selectFrom('notification_log')
      .selectAll()
      .where('rule', '=', rule)
      .where('dedup_key', 'in', dedupKeys)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(entryOf);
  }

  async dedupKeysOf(rule: string, conversationKey: string): Promise<string[]> {
    const rows = await this.query
      .selectFrom('notification_log')
      .select('dedup_key')
      .distinct()
      .where('rule', '=', rule)
      .where('conversation_key', '=', conversationKey)
      .where('dedup_key', 'is not', null)
      .execute();
    return rows.map((row) => row.dedup_key!);
  }
}

function entryOf(row: Selectable<NotificationLogTable>): NotificationEntry {
  return {
    id: Number(row.id),
    deliveryId: row.delivery_id,
    rule: row.rule,
    channel: row.channel,
    event: row.event_name,
    messageKey: row.message_key,
    conversation: row.conversation_key,
    status: row.status,
    error: row.error,
    remoteStatus: row.remote_status === null ? null : Number(row.remote_status),
    dedupKey: row.dedup_key,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)).toISOString(),
  };
}

/** PostgreSQL: a transaction-scoped advisory lock per (rule, key) serialises the count and the insert across instances. */
@Injectable()
export class PostgresNotificationLog extends SqlNotificationLog {
  protected override async lockThrottle(
    trx: WriteTransaction,
    rule: string,
    key: string,
  ): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`notification-throttle:${rule}:${key}`}, 0))`.execute(
      trx,
    );
  }
}
