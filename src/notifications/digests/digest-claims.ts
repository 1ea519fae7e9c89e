import { Injectable } from '@nestjs/common';
import { Database } from '../../storage/database';
import { tablesOf } from '../../storage/group-commit';
import type { DigestStatus, NotificationTables } from '../notification.tables';

/** One digest period of one (rule, channel), as the table holds it. */
export interface DigestClaim {
  readonly rule: string;
  readonly channel: string;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly status: DigestStatus;
  /** Attempts so far (taken ones included): the version a take must match, so only one taker wins. */
  readonly attempts: number;
}

export type DigestOutcome =
  | { readonly status: 'sent' }
  | { readonly status: 'failed'; readonly error: string; readonly retryAt: number }
  | { readonly status: 'dead'; readonly error: string };

const WAITING: readonly DigestStatus[] = ['due', 'sending', 'failed'];

/**
 * The digests table: a period is opened once (insert … on conflict do
 * nothing) and taken by a conditional update that matches the attempts
 * count read before, so of several instances, ticks or restarts exactly one
 * sends each attempt. A taker that dies mid-send loses its lease and the
 * period is taken again.
 */
@Injectable()
export class DigestClaims {
  private readonly query = tablesOf<NotificationTables>(this.db);

  constructor(private readonly db: Database) {}

  /** Records the period as due unless it is already there; true when this call recorded it. */
  open(
    claim: Pick<DigestClaim, 'rule' | 'channel' | 'periodStart' | 'periodEnd'>,
    now: number,
  ): Promise<boolean> {
    return this.db.write(async (trx) => {
      const inserted = await tablesOf<NotificationTables>(trx)
        .insertInto('notification_digests')
        .values({
          rule: claim.rule,
          channel: claim.channel,
          period_start: claim.periodStart,
          period_end: claim.periodEnd,
          status: 'due',
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['rule', 'channel', 'period_start']).doNothing())
        .returning('rule')
        .execute();
      return inserted.length > 0;
    });
  }

  /** The periods of a (rule, channel) not yet sent or given up, whose time to try has come. */
  async ready(rule: string, channel: string, now: number): Promise<DigestClaim[]> {
    const rows = await this.query
      .selectFrom('notification_digests')
      .select(['rule', 'channel', 'period_start', 'period_end', 'status', 'attempts'])
      .where('rule', '=', rule)
      .where('channel', '=', channel)
      .where('status', 'in', WAITING)
      .where('next_attempt_at', '<=', now)
      .orderBy('period_start')
      .execute();
    return rows.map((row) => ({
      rule: row.rule,
      channel: row.channel,
      periodStart: Number(row.period_start),
      periodEnd: Number(row.period_end),
      status: row.status,
      attempts: Number(row.attempts),
    }));
  }

  /** Takes a ready period for one attempt, held for `leaseMs`: the taken claim for exactly one taker, else null. */
  take(claim: DigestClaim, now: number, leaseMs: number): Promise<DigestClaim | null> {
    return this.db.write(
      async (trx) => {
        const result = await tablesOf<NotificationTables>(trx)
          .updateTable('notification_digests')
          .set({ status: 'sending', attempts: claim.attempts + 1, next_attempt_at: now + leaseMs })
          .where('rule', '=', claim.rule)
          .where('channel', '=', claim.channel)
          .where('period_start', '=', claim.periodStart)
          .where('attempts', '=', claim.attempts)
          .where('status', 'in', WAITING)
          .where('next_attempt_at', '<=', now)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1
          ? { ...claim, status: 'sending' as const, attempts: claim.attempts + 1 }
          : null;
      },
      // Every instance updates these rows: on PostgreSQL, outside the webhooks' batches.
      { contended: true },
    );
  }

  /** The outcome of the attempt a take answered `taken` for. */
  async finish(taken: DigestClaim, now: number, outcome: DigestOutcome): Promise<void> {
    await this.db.write((trx) =>
      tablesOf<NotificationTables>(trx)
        .updateTable('notification_digests')
        .set({
          status: outcome.status,
          error: outcome.status === 'sent' ? null : outcome.error,
          next_attempt_at: outcome.status === 'failed' ? outcome.retryAt : now,
          finished_at: outcome.status === 'failed' ? null : now,
        })
        .where('rule', '=', taken.rule)
        .where('channel', '=', taken.channel)
        .where('period_start', '=', taken.periodStart)
        .where('attempts', '=', taken.attempts)
        .execute(),
    );
  }
}
