import type { Kysely } from 'kysely';
import type { StorageTables } from './tables';

/**
 * A write transaction as the group commit hands it out. Typed with the
 * store's own tables; a feature sees its tables through `tablesOf`.
 */
export type WriteTransaction = Kysely<StorageTables>;

/**
 * The database, or a write transaction, typed with a feature's tables: the
 * same object (prepared queries find their transaction by it), only typed.
 */
export const tablesOf = <DB>(db: Kysely<StorageTables>): Kysely<DB> => db as unknown as Kysely<DB>;

/** One unit of writes. It may run more than once before it commits: it must only touch `trx`. */
export type WriteWork<T> = (trx: WriteTransaction) => Promise<T>;

/** What a dialect tells the group commit about running a transaction and about its errors. */
export interface TransactionRunner {
  /** Runs `body` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(body: (trx: WriteTransaction) => Promise<T>): Promise<T>;
  /** Another writer holds the lock: trying again shortly can succeed. */
  isBusy(error: unknown): boolean;
  /** The store itself failed (disk full, I/O, read-only): no write of the batch can succeed. */
  isStoreFailure(error: unknown): boolean;
  savepoint(trx: WriteTransaction, action: 'begin' | 'release' | 'rollback'): Promise<void>;
}

export interface GroupCommitOptions {
  /** How long a write may wait for a lock held by another writer before it fails. */
  readonly busyTimeoutMs: number;
  /**
   * Batches committing at once: 1 for a store that takes one writer at a
   * time (SQLite); more where writers run side by side (PostgreSQL's pool),
   * so the next batch is written while the last one waits for its commit.
   */
  readonly concurrentBatches?: number;
  /** Told of every batch's fate (undefined: committed), for readiness. */
  readonly onOutcome?: (failure: unknown, works: readonly WriteWork<unknown>[]) => void;
}

interface Queued {
  readonly work: WriteWork<unknown>;
  readonly lockOrder: string | undefined;
  readonly enqueuedAt: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Enough to amortise the commit, few enough that one batch never holds the writer for long. */
const MAX_BATCH = 512;
const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 50;

/** Thrown inside a transaction to roll it back because one write of the batch failed. */
class WriteFailed extends Error {
  constructor(readonly index: number) {
    super(`write ${index} of the batch failed`);
  }
}

/**
 * The batch with its keyed writes in key order, after the others. Two
 * processes whose batches lock the same rows (a key posted to two instances
 * at once) then take them in one order, and cannot deadlock on them.
 */
function inLockOrder(batch: readonly Queued[]): readonly Queued[] {
  if (batch.every((item) => item.lockOrder === undefined)) return batch;
  return [...batch].sort((x, y) =>
    x.lockOrder === y.lockOrder
      ? 0
      : x.lockOrder === undefined
        ? -1
        : y.lockOrder === undefined
          ? 1
          : x.lockOrder < y.lockOrder
            ? -1
            : 1,
  );
}

/**
 * Group commit: every write asked for in one turn of the event loop goes
 * into one transaction, so one commit (and one fsync) serves them all.
 *
 * The batch first runs as one plain transaction. Only when one of its writes
 * throws is it run again with a savepoint around each write, so that the
 * failing one rolls back alone. Every caller is answered after the commit
 * that holds its write, or with the error that kept it out.
 *
 * A lock held by another writer is waited for without blocking the event
 * loop (the store's own busy wait would): the batch is tried again with
 * backoff until its oldest write has waited `busyTimeoutMs`.
 */
export class GroupCommit {
  private readonly queue: Queued[] = [];
  private scheduled = false;
  private flushing = 0;
  /** Commits and the writes they held, so batching can be seen (and counted by metrics). */
  readonly stats = { commits: 0, writes: 0 };

  constructor(
    private readonly runner: TransactionRunner,
    private readonly options: GroupCommitOptions,
  ) {}

  write<T>(work: WriteWork<T>, lockOrder?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        lockOrder,
        enqueuedAt: Date.now(),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.schedule();
    });
  }

  /**
   * A write in a transaction of its own, now, beside the batches: for a
   * store whose writers run side by side (PostgreSQL's pool). It still gets
   * the busy retries and the outcome reports of a batch.
   */
  writeAlone<T>(work: WriteWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item = {
        work,
        lockOrder: undefined,
        enqueuedAt: Date.now(),
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      void this.commit([item]);
    });
  }

  /** Writes waiting for their commit. */
  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing >= (this.options.concurrentBatches ?? 1)) return;
    this.scheduled = true;
    // After the I/O of this turn: requests that arrived together share the commit.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing += 1;
    try {
      const batch = this.queue.splice(0, MAX_BATCH);
      if (batch.length > 0) await this.commit(batch);
    } finally {
      this.flushing -= 1;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async commit(batch: readonly Queued[]): Promise<void> {
    const deadline = batch[0].enqueuedAt + this.options.busyTimeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      try {
        // Run in lock order, answered in arrival order: callers see no difference.
        const run = inLockOrder(batch);
        const byItem = new Map<Queued, Outcome>();
        (await this.attempt(run)).forEach((outcome, index) => byItem.set(run[index], outcome));
        const outcomes = batch.map((item) => byItem.get(item)!);
        this.stats.commits += 1;
        this.stats.writes += batch.length;
        this.options.onOutcome?.(
          undefined,
          batch.map((item) => item.work),
        );
        batch.forEach((item, index) => {
          const outcome = outcomes[index];
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
        return;
      } catch (error) {
        if (this.runner.isBusy(error) && Date.now() + backoff < deadline) {
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          continue;
        }
        this.options.onOutcome?.(
          error,
          batch.map((item) => item.work),
        );
        for (const item of batch) item.reject(error);
        return;
      }
    }
  }

  /** The batch in one transaction; again with savepoints if a write of it failed on its own. */
  private async attempt(batch: readonly Queued[]): Promise<Outcome[]> {
    let failed: { index: number; error: unknown } | undefined;
    try {
      return await this.runner.transaction(async (trx) => {
        const outcomes: Outcome[] = [];
        for (const [index, item] of batch.entries()) {
          try {
            outcomes.push({ ok: true, value: await item.work(trx) });
          } catch (error) {
            if (this.isBatchFailure(error)) throw error;
            failed = { index, error };
            throw new WriteFailed(index);
          }
        }
        return outcomes;
      });
    } catch (error) {
      if (!(error instanceof WriteFailed) || failed === undefined) throw error;
    }
    if (batch.length === 1) return [{ ok: false, error: failed.error }];
    return this.runner.transaction(async (trx) => {
      const outcomes: Outcome[] = [];
      for (const item of batch) {
        await this.runner.savepoint(trx, 'begin');
        try {
          const value = await item.work(trx);
          await this.runner.savepoint(trx, 'release');
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (this.isBatchFailure(error)) throw error;
          await this.runner.savepoint(trx, 'rollback');
          await this.runner.savepoint(trx, 'release');
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  private isBatchFailure(error: unknown): boolean {
    return this.runner.isBusy(error) || this.runner.isStoreFailure(error);
  }
}
