import { Logger, OnApplicationShutdown } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { GroupCommit, WriteWork } from './group-commit';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrationProvider } from './migrations';
import type { Tables } from './tables';

/**
 * The shared query builder, also the DI token (a class, no string tokens).
 * Adapters of every store use it; it is closed last, after listeners drained.
 */
export class Database extends Kysely<Tables> implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');
  private readonly groupCommit = new GroupCommit((work) => this.transaction().execute(work));

  /**
   * Every write of the stores goes through here: one atomic unit, committed
   * (and on SQLite, fsynced) together with the writes that came at the same time.
   */
  write<T>(work: WriteWork<T>): Promise<T> {
    return this.groupCommit.write(work);
  }

  /** Opens (creating if needed) the SQLite file and brings its schema up to date. */
  static async openSqlite(file: string): Promise<Database> {
    mkdirSync(dirname(file), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    // FULL: a 200 promises the message survives a power cut, not only a crash.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Database({ dialect: new SqliteDialect({ database: sqlite }) });
    await db.migrate();
    return db;
  }

  async migrate(): Promise<void> {
    const { error, results } = await new Migrator({
      db: this,
      provider: migrationProvider,
    }).migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success')
        Database.logger.log(`migration ${result.migrationName} applied`);
    }
    if (error) throw error instanceof Error ? error : new Error('migration failed');
  }

  /** A real round trip to the store, for readiness checks. */
  async ping(): Promise<void> {
    await sql`select 1 from messages limit 1`.execute(this);
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      // Fold the write-ahead log into the database file: what is left is one complete file.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this);
    } finally {
      await this.destroy();
    }
  }
}
