import { sql, Transaction } from 'kysely';
import type { Tables } from './tables';

export type WriteWork<T> = (trx: Transaction<Tables>) => Promise<T>;

interface Queued {
  readonly work: WriteWork<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Enough to amortise the commit, few enough that one batch never holds the writer for long. */
const MAX_BATCH = 256;

/**
 * Group commit for a store with one writer (SQLite): writes that arrive while
 * a commit is under way wait and go together in the next transaction, so one
 * fsync serves many of them. Each write runs under its own savepoint, so a
 * failing one rolls back alone; every caller is answered only after the
 * commit that holds its write, or with the commit's error.
 */
export class GroupCommit {
  private readonly queue: Queued[] = [];
  private flushing = false;

  constructor(private readonly begin: <T>(work: WriteWork<T>) => Promise<T>) {}

  write<T>(work: WriteWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: readonly Queued[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.begin(async (trx) => {
        for (const item of batch) {
          await sql`savepoint write`.execute(trx);
          try {
            const value = await item.work(trx);
            await sql`release savepoint write`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to savepoint write`.execute(trx);
            await sql`release savepoint write`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
