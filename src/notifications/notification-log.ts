import { Injectable } from '@nestjs/common';
import type { Cursor, Page } from '../common/query/query-params';
import { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { olderThan, toPage } from '../storage/keyset';
import type { NotificationStatus, NotificationTables } from './notification.tables';

export type { NotificationStatus } from './notification.tables';
export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = [
  'sending',
  'sent',
  'failed',
  'rejected',
  'throttled',
];

export interface NotificationAttempt {
  readonly deliveryId: string;
  readonly rule: string;
  readonly channel: string;
  readonly eventName: string;
  readonly messageKey: string;
  /** What the throttle counts per: the conversation, or the sender when there is none. */
  readonly throttleKey: string;
}

export interface NotificationEntry {
  readonly id: number;
  readonly deliveryId: string;
  readonly rule: string;
  readonly channel: string;
  readonly event: string;
  readonly messageKey: string;
  readonly conversation: string | null;
  readonly status: NotificationStatus;
  readonly error: string | null;
  readonly remoteStatus: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface NotificationFilter {
  readonly rule?: string;
  readonly channel?: string;
  readonly status?: NotificationStatus;
}

/** Sent notifications so far in the window still count against a rule's throttle. */
const COUNTED: readonly NotificationStatus[] = ['sending', 'sent'];

/** Every attempt to notify, its outcome, and the throttle's memory. */
@Injectable()
export class NotificationLog {
  private readonly query = tablesOf<NotificationTables>(this.db);

  constructor(private readonly db: Database) {}

  /**
   * Records an attempt about to be made and answers its id, or null when the
   * throttle says no (recorded as `throttled`). Count and insert are one write,
   * so concurrent deliveries cannot both take the last place in the window.
   */
  begin(
    attempt: NotificationAttempt,
    now: number,
    throttle: { readonly max: number; readonly windowMs: number } | null,
  ): Promise<number | null> {
    return this.db.write(async (transaction) => {
      const trx = tablesOf<NotificationTables>(transaction);
      let throttled = false;
      if (throttle) {
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
          status: throttled ? 'throttled' : 'sending',
          created_at: now,
          finished_at: throttled ? now : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return throttled ? null : Number(id);
    });
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

  /** Newest first. */
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
    return toPage(
      rows,
      limit,
      (row): NotificationEntry => ({
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
        createdAt: new Date(Number(row.created_at)).toISOString(),
        finishedAt:
          row.finished_at === null ? null : new Date(Number(row.finished_at)).toISOString(),
      }),
      (row) => ({ at: Number(row.created_at), id: Number(row.id) }),
    );
  }
}
