import { PostgresDialect, sql } from 'kysely';
import { Pool, types } from 'pg';
import { Database, DatabaseOptions, StoreDialect } from '../database';

const codeOf = (error: unknown): string =>
  typeof (error as { code?: unknown } | null)?.code === 'string'
    ? (error as { code: string }).code
    : '';

/**
 * SQLSTATEs after which the same transaction, tried again, can succeed:
 * another instance held a row or wrote first (serialization failure,
 * deadlock, lock not available).
 */
const RETRYABLE = new Set(['40001', '40P01', '55P03']);

/**
 * The store, not the write, failed: no connection (node's errno codes, class
 * 08), the server going away (57P01-57P03), out of resources (class 53: disk
 * full, too many connections), a statement that ran out of time (57014), or
 * read-only (25006).
 */
const STORE_FAILURE = /^(E[A-Z]+|08...|53...|57P0[123]|57014|25006|XX000|58...)$/;

/**
 * Counters and times are bigint columns, which the driver gives back as text
 * by default: kommhook's never pass 2^53, so they come back as numbers; so do
 * numerics (what SUM of a bigint is).
 */
const AS_NUMBER = new Set<number>([types.builtins.INT8, types.builtins.NUMERIC]);
const typeParsers = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    AS_NUMBER.has(oid)
      ? (value) => Number(value)
      : (types.getTypeParser(oid, format) as (value: string) => unknown),
};

export interface PostgresOptions extends DatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
}

/** Connects a pool to PostgreSQL and brings the schema up to date (instances that start together migrate once). */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize,
    // A query that runs this long is cut: no request waits on the store for ever.
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    types: typeParsers,
  });
  // A connection that breaks while idle must not take the process down; the pool replaces it.
  pool.on('error', () => undefined);
  const dialect: StoreDialect = {
    name: 'postgres',
    kysely: new PostgresDialect({ pool }),
    begin: 'begin',
    // While one batch waits for its commit the next is written on another
    // connection; the rest of the pool stays for reads and contended writes.
    concurrentBatches: Math.max(1, Math.min(4, options.poolSize - 2)),
    isBusy: (error) => RETRYABLE.has(codeOf(error)),
    isStoreFailure: (error) => STORE_FAILURE.test(codeOf(error)),
    currentSchema: async (db) =>
      (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0].schema,
  };
  const db = new Database(dialect, options);
  try {
    await db.migrate();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
