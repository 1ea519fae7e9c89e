import { Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  CompiledQuery,
  DatabaseConnection,
  Kysely,
  KyselyConfig,
  Migration,
  Migrator,
  sql,
} from 'kysely';
import { GroupCommit, TransactionRunner, WriteWork } from './group-commit';
import * as storeProbe from './0006-store-probe';
import type { StorageTables } from './tables';

/** What the dialect adds to plain Kysely: how it runs a write transaction, and how it fails. */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly kysely: KyselyConfig['dialect'];
  /** Opens a write transaction, e.g. `begin immediate` on SQLite so the lock is taken at once. */
  readonly begin: string;
  /** Group-commit batches that may commit at once (1 unless the store runs writers side by side). */
  readonly concurrentBatches?: number;
  isBusy(error: unknown): boolean;
  isStoreFailure(error: unknown): boolean;
  /** Runs before the connections close (e.g. a WAL checkpoint). */
  beforeClose?(db: Kysely<StorageTables>): Promise<void>;
  /** The schema the service's tables live in, where the dialect has schemas. */
  currentSchema?(db: Kysely<StorageTables>): Promise<string>;
}

export interface DatabaseOptions {
  /** How long a write waits for a lock another process holds before it fails. */
  readonly busyTimeoutMs: number;
  /** Every module's migrations (each module keeps its own tables), by their global names. */
  readonly migrations: readonly Readonly<Record<string, Migration>>[];
}

/** The store's own migrations and every module's, one set, by their global names. */
export function migrationsOf(
  sets: readonly Readonly<Record<string, Migration>>[],
): Record<string, Migration> {
  const migrations: Record<string, Migration> = { '0006-store-probe': storeProbe };
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (name in migrations) throw new Error(`two migrations are named ${name}`);
      migrations[name] = migration;
    }
  }
  return migrations;
}

export interface WriteOptions {
  /**
   * For a write that locks rows another process may lock too (a message key
   * posted to two instances): the writes of a batch run in this order.
   */
  readonly lockOrder?: string;
  /**
   * The write locks rows that every instance updates (aggregates, a
   * throttle's count). Where writers run side by side (PostgreSQL) it gets a
   * transaction of its own: no webhook waits on its locks or joins its
   * deadlocks. SQLite takes writers in turn, so there it joins the batch.
   */
  readonly contended?: boolean;
}

/** After a write failed for the store's sake, readiness stays down this long unless a write succeeds. */
const FAILURE_HOLD_MS = 30_000;

/**
 * The driver's connection under each write transaction's query builder.
 * Prepared queries run on it directly: Kysely's executor adds a few promises
 * and microseconds per query, and the webhook runs several per message.
 */
const connections = new WeakMap<Kysely<StorageTables>, DatabaseConnection>();

/** The connection of a write transaction handed to a WriteWork, if it is one. */
export const connectionOf = (executor: object): DatabaseConnection | undefined =>
  connections.get(executor as Kysely<StorageTables>);

const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');
const SAVEPOINT = {
  begin: CompiledQuery.raw('savepoint write'),
  release: CompiledQuery.raw('release savepoint write'),
  rollback: CompiledQuery.raw('rollback to savepoint write'),
};

/**
 * The shared query builder, also the DI token (a class, no string tokens).
 * Adapters of every store use it; it is closed last, after listeners drained.
 */
export class Database extends Kysely<StorageTables> implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');
  private readonly groupCommit: GroupCommit;
  private lastFailure: { at: number; error: unknown } | undefined;
  private lastSuccessAt = 0;
  /** The readiness probe's write: it proves the store commits, not that real writes fit. */
  private readonly probe: WriteWork<void> = async (trx) => {
    await trx
      .insertInto('store_probe')
      .values({ id: 1, checked_at: Date.now() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ checked_at: Date.now() }))
      .execute();
  };

  constructor(
    readonly dialect: StoreDialect,
    private readonly options: DatabaseOptions,
  ) {
    super({ dialect: dialect.kysely });
    this.groupCommit = new GroupCommit(this.transactionRunner(), {
      busyTimeoutMs: options.busyTimeoutMs,
      concurrentBatches: dialect.concurrentBatches,
      onOutcome: (failure, works) => this.recordOutcome(failure, works),
    });
  }

  /**
   * Every write of the stores goes through here: one atomic unit, committed
   * (and on SQLite, fsynced) together with the writes of the same moment.
   * The work may run twice before it commits: it must only touch `trx`.
   */
  write<T>(work: WriteWork<T>, options: WriteOptions = {}): Promise<T> {
    if (options.contended && this.dialect.name === 'postgres') {
      return this.groupCommit.writeAlone(work);
    }
    return this.groupCommit.write(work, options.lockOrder);
  }

  /** Commits so far and the writes they held. */
  get writeStats(): { readonly commits: number; readonly writes: number } {
    return this.groupCommit.stats;
  }

  /**
   * Brings every module's schema up to date. The names order them across
   * modules; a module's migration may come after another's that already ran
   * (when tables move between modules), so such order is allowed.
   */
  async migrate(): Promise<void> {
    const migrations = migrationsOf(this.options.migrations);
    const { error, results } = await new Migrator({
      db: this,
      provider: { getMigrations: () => Promise.resolve(migrations) },
      allowUnorderedMigrations: true,
      // On PostgreSQL the bookkeeping tables go where the service's tables go (its search_path),
      // not to whichever schema of the database already has tables of that name.
      migrationTableSchema: await this.dialect.currentSchema?.(this),
    }).migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success')
        Database.logger.log(`migration ${result.migrationName} applied`);
    }
    if (error) throw error instanceof Error ? error : new Error('migration failed');
  }

  /** A real round trip to the store. */
  async ping(): Promise<void> {
    await sql`select 1 from store_probe limit 1`.execute(this);
  }

  /**
   * Throws unless the store can commit: a probe write goes through the same
   * queue as every other, and a recent failure of real writes (a full disk
   * the small probe still fits on) keeps it failing until writes succeed again.
   */
  async assertWritable(): Promise<void> {
    const failure = this.lastFailure;
    if (failure && failure.at > this.lastSuccessAt && Date.now() - failure.at < FAILURE_HOLD_MS) {
      throw failure.error;
    }
    await this.ping();
    await this.write(this.probe);
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.dialect.beforeClose?.(this);
    } finally {
      await this.destroy();
    }
  }

  private recordOutcome(failure: unknown, works: readonly WriteWork<unknown>[]): void {
    if (!works.some((work) => work !== this.probe)) return;
    if (failure === undefined) this.lastSuccessAt = Date.now();
    else this.lastFailure = { at: Date.now(), error: failure };
  }

  private transactionRunner(): TransactionRunner {
    const begin = CompiledQuery.raw(this.dialect.begin);
    return {
      transaction: (body) =>
        this.connection().execute(async (connection) => {
          connections.set(
            connection,
            await connection.getExecutor().provideConnection((raw) => Promise.resolve(raw)),
          );
          await connection.executeQuery(begin);
          try {
            const result = await body(connection);
            await connection.executeQuery(COMMIT);
            return result;
          } catch (error) {
            try {
              await connection.executeQuery(ROLLBACK);
            } catch {
              // The store already rolled back on its own (a full disk does): the first error says why.
            }
            throw error;
          }
        }),
      savepoint: async (trx, action) => {
        await trx.executeQuery(SAVEPOINT[action]);
      },
      isBusy: (error) => this.dialect.isBusy(error),
      isStoreFailure: (error) => this.dialect.isStoreFailure(error),
    };
  }
}
