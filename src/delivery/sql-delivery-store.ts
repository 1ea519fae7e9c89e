import { Injectable } from '@nestjs/common';
import type { ExpressionBuilder, Insertable, Kysely, SelectQueryBuilder } from 'kysely';
import type { Cursor, Page } from '../common/query/query-params';
import { Database } from '../storage/database';
import { tablesOf, WriteTransaction } from '../storage/group-commit';
import { olderThan, toPage } from '../storage/keyset';
import { chunks, columnsOf, PreparedByCount, PreparedQuery } from '../storage/prepared-query';
import {
  DELIVERY_COLUMNS,
  fromDeliveryRow,
  newDeliveryRow,
  outboxRowValues,
} from './delivery-rows';
import {
  AttemptRecord,
  Delivery,
  DeliveryFilter,
  DeliveryStatus,
  DeliveryStore,
  NewDelivery,
  OutboxRow,
} from './delivery-store';
import type { DeliveriesTable, DeliveryTables } from './delivery.tables';

/** Rows of one message's outbox per prepared insert; more are split. */
const OUTBOX_ROWS = 16;

/** Ids per statement when recording alike outcomes. */
const DONE_TOGETHER = 64;

type AttemptRow = {
  id: string;
  held_until: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  updated_at: number;
  last_attempt_at: number;
  last_duration_ms: number;
  completed_at: number | null;
};

function attemptRow(id: string, attempt: AttemptRecord): AttemptRow {
  const { outcome } = attempt;
  const finishedAt = attempt.startedAt + attempt.durationMs;
  return {
    id,
    held_until: attempt.heldUntil,
    status: outcome.status,
    attempts: attempt.attempts,
    next_attempt_at:
      outcome.status === 'done' || outcome.status === 'dead' ? null : outcome.nextAttemptAt,
    last_error: outcome.status === 'done' ? null : outcome.error,
    updated_at: finishedAt,
    last_attempt_at: attempt.startedAt,
    last_duration_ms: attempt.durationMs,
    completed_at: outcome.status === 'done' ? finishedAt : null,
  };
}

/** The claim's inner select: the ids of due deliveries. */
type DueQuery = SelectQueryBuilder<DeliveryTables, 'deliveries', { id: string }>;

/** States the poller takes from: waiting retries, and running ones whose lease ran out. */
const CLAIMABLE = ['pending', 'failed', 'running'] as const;

/**
 * Kysely that SQLite and PostgreSQL both speak. The claim is one
 * `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING *`: atomic on SQLite,
 * whose writers are serialised; on PostgreSQL, PostgresDeliveryStore adds
 * `FOR UPDATE SKIP LOCKED` to the inner select (`lockDue`), so instances
 * claiming at once take different rows instead of queueing on the same ones.
 */
@Injectable()
export class SqlDeliveryStore extends DeliveryStore {
  // Every attempt ends here, on the webhook's path under load: compiled once.
  private readonly query: Kysely<DeliveryTables> = tablesOf<DeliveryTables>(this.db);
  private readonly insertOutbox = new PreparedByCount<Insertable<DeliveriesTable>>(
    (rows) =>
      this.query
        .insertInto('deliveries')
        .values(rows.map((row) => columnsOf(row, DELIVERY_COLUMNS))),
    OUTBOX_ROWS,
  );
  private readonly recordAttempt = new PreparedQuery<AttemptRow>((p) =>
    this.query
      .updateTable('deliveries')
      .set({
        status: p.status,
        attempts: p.attempts,
        next_attempt_at: p.next_attempt_at,
        last_error: p.last_error,
        updated_at: p.updated_at,
        last_attempt_at: p.last_attempt_at,
        last_duration_ms: p.last_duration_ms,
        completed_at: p.completed_at,
      })
      .where('id', '=', p.id)
      .where((eb) => this.stillHeld(eb, p.held_until)),
  );

  /** Deliveries whose attempts ended alike (a batch that succeeded), by id. */
  private readonly recordDone = new PreparedByCount<AttemptRow>((rows) => {
    const [first] = rows;
    return this.query
      .updateTable('deliveries')
      .set({
        status: 'done',
        attempts: first.attempts,
        next_attempt_at: null,
        last_error: null,
        updated_at: first.updated_at,
        last_attempt_at: first.last_attempt_at,
        last_duration_ms: first.last_duration_ms,
        completed_at: first.completed_at,
      })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .where((eb) => this.stillHeld(eb, first.held_until));
  }, DONE_TOGETHER);

  constructor(protected readonly db: Database) {
    super();
  }

  async writeOutbox(trx: WriteTransaction, rows: readonly OutboxRow[], now: number): Promise<void> {
    for (const part of chunks(rows, OUTBOX_ROWS)) {
      await this.insertOutbox.run(
        trx,
        part.map((row) => outboxRowValues(row, now)),
      );
    }
  }

  async claimDue(now: number, leaseUntil: number, limit: number): Promise<Delivery[]> {
    const rows = await this.db.write((trx) =>
      tablesOf<DeliveryTables>(trx)
        .updateTable('deliveries')
        .set({ status: 'running', next_attempt_at: leaseUntil, updated_at: now })
        .where('id', 'in', (eb) =>
          this.lockDue(
            eb
              .selectFrom('deliveries')
              .select('id')
              .where('next_attempt_at', '<=', now)
              .where('status', 'in', CLAIMABLE)
              .orderBy('next_attempt_at')
              .limit(limit),
          ),
        )
        // Checked again on the row itself: a row another claim changed
        // while this one waited for it is re-read here, not in the subquery.
        .where('next_attempt_at', '<=', now)
        .where('status', 'in', CLAIMABLE)
        .returningAll()
        .execute(),
    );
    return rows.map(fromDeliveryRow);
  }

  /** The row-locking clause of the claim's inner select; none needed on SQLite, whose writers take turns. */
  protected lockDue(query: DueQuery): DueQuery {
    return query;
  }

  /** Still running under the lease `heldUntil` names: nobody has claimed it since. */
  private stillHeld(eb: ExpressionBuilder<DeliveryTables, 'deliveries'>, heldUntil: number) {
    return eb.and([eb('status', '=', 'running'), eb('next_attempt_at', '=', heldUntil)]);
  }

  async renewLease(id: string, heldUntil: number, leaseUntil: number): Promise<boolean> {
    const result = await this.db.write((trx) =>
      tablesOf<DeliveryTables>(trx)
        .updateTable('deliveries')
        .set({ next_attempt_at: leaseUntil })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('next_attempt_at', '=', heldUntil)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async recordAttempts(attempts: readonly { id: string; record: AttemptRecord }[]): Promise<void> {
    if (attempts.length === 0) return;
    // A batch that succeeded ends the same way for each of its deliveries: one statement.
    const alike = new Map<string, AttemptRow[]>();
    const others: AttemptRow[] = [];
    for (const { id, record } of attempts) {
      const row = attemptRow(id, record);
      if (row.status !== 'done') {
        others.push(row);
        continue;
      }
      const key = `${row.held_until}:${row.attempts}:${row.last_attempt_at}:${row.last_duration_ms}`;
      const group = alike.get(key);
      if (group) group.push(row);
      else alike.set(key, [row]);
    }
    await this.db.write(async (trx) => {
      for (const group of alike.values()) {
        for (const part of chunks(group, DONE_TOGETHER)) await this.recordDone.run(trx, part);
      }
      for (const row of others) await this.recordAttempt.run(trx, row);
    });
  }

  async release(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.write((trx) =>
      tablesOf<DeliveryTables>(trx)
        .updateTable('deliveries')
        .set({ status: 'pending', next_attempt_at: now, updated_at: now })
        .where('id', 'in', ids)
        .where('status', '=', 'running')
        .execute(),
    );
  }

  async schedule(deliveries: readonly NewDelivery[], now: number): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db.write((trx) =>
      tablesOf<DeliveryTables>(trx)
        .insertInto('deliveries')
        .values(deliveries.map((delivery) => newDeliveryRow(delivery, now, 'pending', now)))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            updated_at: now,
            completed_at: null,
          }),
        )
        .execute(),
    );
  }

  async retry(id: string, now: number): Promise<Delivery | null> {
    const row = await this.db.write((trx) =>
      tablesOf<DeliveryTables>(trx)
        .updateTable('deliveries')
        .set({ status: 'pending', next_attempt_at: now, updated_at: now, completed_at: null })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? fromDeliveryRow(row) : null;
  }

  async retryMany(filter: DeliveryFilter, now: number): Promise<number> {
    // A redrive gives dead deliveries a fresh schedule; failed ones keep theirs.
    const result = await this.db.write((trx) =>
      tablesOf<DeliveryTables>(trx)
        .updateTable('deliveries')
        .set((eb) => ({
          status: 'pending',
          next_attempt_at: now,
          updated_at: now,
          attempts: eb.case().when('status', '=', 'dead').then(0).else(eb.ref('attempts')).end(),
        }))
        .where((eb) => this.matches(eb, { ...filter, status: filter.status ?? 'dead' }))
        .where('status', 'in', ['failed', 'dead'])
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows);
  }

  async backlog(): Promise<{
    byStatus: Record<Exclude<DeliveryStatus, 'done'>, number>;
    oldestUnfinishedAt: number | null;
  }> {
    const waiting = ['pending', 'running', 'failed', 'dead'] as const;
    const rows = await this.query
      .selectFrom('deliveries')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .where('status', 'in', waiting)
      .groupBy('status')
      .execute();
    const oldest = await this.query
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min<number>('created_at').as('at'))
      .where('status', 'in', ['pending', 'running', 'failed'])
      .executeTakeFirstOrThrow();
    const byStatus = { pending: 0, running: 0, failed: 0, dead: 0 };
    for (const row of rows) {
      if (row.status !== 'done') byStatus[row.status] = Number(row.count);
    }
    return { byStatus, oldestUnfinishedAt: oldest.at === null ? null : Number(oldest.at) };
  }

  async findById(id: string): Promise<Delivery | null> {
    const row = await this.query
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? fromDeliveryRow(row) : null;
  }

  async forMessage(messageKey: string): Promise<Delivery[]> {
    const rows = await this.query
      .selectFrom('deliveries')
      .selectAll()
      .where('message_key', '=', messageKey)
      .orderBy('created_at')
      .orderBy('event_name')
      .orderBy('listener')
      .execute();
    return rows.map(fromDeliveryRow);
  }

  async list(filter: DeliveryFilter, limit: number, cursor?: Cursor): Promise<Page<Delivery>> {
    let query = this.query
      .selectFrom('deliveries')
      .selectAll()
      .where((eb) => this.matches(eb, filter));
    if (cursor !== undefined) {
      query = query.where((eb) =>
        olderThan(eb, 'created_at', 'id', { ...cursor, id: String(cursor.id) }),
      );
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, fromDeliveryRow, (row) => ({
      at: Number(row.created_at),
      id: row.id,
    }));
  }

  private matches(eb: ExpressionBuilder<DeliveryTables, 'deliveries'>, filter: DeliveryFilter) {
    const conditions = [];
    if (filter.status !== undefined) conditions.push(eb('status', '=', filter.status));
    if (filter.listener !== undefined) conditions.push(eb('listener', '=', filter.listener));
    if (filter.since !== undefined) conditions.push(eb('created_at', '>=', filter.since));
    return eb.and(conditions);
  }
}

/** PostgreSQL: several instances claim at once; each skips the rows another is claiming. */
@Injectable()
export class PostgresDeliveryStore extends SqlDeliveryStore {
  protected override lockDue(query: DueQuery): DueQuery {
    return query.forUpdate().skipLocked();
  }
}
