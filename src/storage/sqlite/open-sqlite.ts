import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database, DatabaseOptions, StoreDialect } from '../database';

/** Prepared statements kept per SQL text; more than this many distinct texts means they are not reused. */
const STATEMENT_CACHE = 500;

const codeOf = (error: unknown): string =>
  typeof (error as { code?: unknown } | null)?.code === 'string'
    ? (error as { code: string }).code
    : '';

/** Result codes that say the store, not the write, failed (the extended codes share the prefix). */
const STORE_FAILURES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM|PROTOCOL)/;

/**
 * The statement cache Kysely's SQLite driver lacks: it prepares every query
 * anew, which costs more than running it. A statement still being iterated
 * (a stream) is never handed out twice.
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(text: string): BetterSqlite3.Statement {
      const cached = cache.get(text);
      if (cached && !cached.busy) return cached;
      if (cache.size >= STATEMENT_CACHE) cache.clear();
      const statement = sqlite.prepare(text);
      cache.set(text, statement);
      return statement;
    },
    close(): void {
      sqlite.close();
    },
  };
}

/** Opens (creating if needed) the SQLite file and brings its schema up to date. */
export async function openSqlite(file: string, options: DatabaseOptions): Promise<Database> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  restrictToOwner(file);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a 200 promises the message survives a power cut, not only a crash.
  sqlite.pragma('synchronous = FULL');
  // No waiting inside SQLite: its busy wait would block the event loop. The
  // group commit waits for a foreign lock itself, asynchronously.
  sqlite.pragma('busy_timeout = 0');
  const dialect: StoreDialect = {
    name: 'sqlite',
    kysely: new SqliteDialect({ database: withStatementCache(sqlite) }),
    // Takes the write lock at once, so a busy store is found before any write runs.
    begin: 'begin immediate',
    isBusy: (error) => codeOf(error).startsWith('SQLITE_BUSY'),
    isStoreFailure: (error) => STORE_FAILURES.test(codeOf(error)),
    beforeClose: () => {
      // Leaves one file behind: everything in the WAL is moved into the database.
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve();
    },
  };
  const db = new Database(dialect, options);
  await db.migrate();
  return db;
}

/**
 * Chat text is for the service's user alone: the file is created (or tightened)
 * 0600 before SQLite opens it, and SQLite creates -wal and -shm with its mode.
 */
function restrictToOwner(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}
