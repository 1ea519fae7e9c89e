import BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE } from 'kysely';
import { existsSync, statSync } from 'node:fs';
import { StopError } from './stop-error';

/** Tables the target's migrator and readiness probe own: never copied. */
const NOT_COPIED = new Set([DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE, 'store_probe']);

export interface SourceTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** The primary key's columns in key order; `rowid` for a table without one. */
  readonly key: readonly string[];
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The SQLite store, opened read-only: the migration never changes it, so the
 * installation can go back to it. Integers come back as bigint, so ids and
 * epoch times beyond 2^53 would survive too.
 */
export class SqliteSource {
  private readonly reads = new Map<string, BetterSqlite3.Statement<unknown[], unknown[]>>();

  private constructor(private readonly sqlite: BetterSqlite3.Database) {}

  static open(file: string): SqliteSource {
    if (!existsSync(file)) throw new StopError(`--from: ${file} does not exist`, 2);
    if (!statSync(file).isFile()) throw new StopError(`--from: ${file} is not a file`, 2);
    let sqlite: BetterSqlite3.Database;
    try {
      sqlite = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      sqlite.defaultSafeIntegers(true);
      // Reading sqlite_master is the first read that finds a file that is not a database.
      sqlite.prepare('select count(*) from sqlite_master').get();
    } catch (error) {
      throw new StopError(`--from: cannot read ${file} as SQLite (${reasonOf(error)})`, 2);
    }
    return new SqliteSource(sqlite);
  }

  /** The migrations the store has applied, or a StopError when it is not kommhook's store. */
  appliedMigrations(file: string): string[] {
    const known = this.sqlite
      .prepare(`select 1 from sqlite_master where type = 'table' and name = ?`)
      .get(DEFAULT_MIGRATION_TABLE);
    if (!known) {
      throw new StopError(
        `--from: ${file} is not a kommhook store (it has no ${DEFAULT_MIGRATION_TABLE} table)`,
        2,
      );
    }
    return (
      this.sqlite
        .prepare(`select name from ${quote(DEFAULT_MIGRATION_TABLE)} order by name`)
        .pluck()
        .all() as string[]
    ).map(String);
  }

  tables(): SourceTable[] {
    const names = this.sqlite
      .prepare(
        `select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`,
      )
      .pluck()
      .all() as string[];
    return names
      .filter((name) => !NOT_COPIED.has(name))
      .map((name) => {
        const info = this.sqlite.prepare(`pragma table_info(${quote(name)})`).all() as {
          name: string;
          pk: bigint;
        }[];
        const key = info
          .filter((column) => column.pk > 0n)
          .sort((a, b) => Number(a.pk - b.pk))
          .map((column) => column.name);
        return {
          name,
          columns: info.map((column) => column.name),
          key: key.length > 0 ? key : ['rowid'],
        };
      });
  }

  count(table: string): number {
    return Number(
      this.sqlite
        .prepare(`select count(*) from ${quote(table)}`)
        .pluck()
        .get(),
    );
  }

  /**
   * The next rows after `after` (a key, in the key's column order) in key
   * order, each as an array: `columns` first, then the key columns not among them.
   * Keyset paging: every batch is an index range, however far into the table.
   */
  readBatch(
    table: SourceTable,
    columns: readonly string[],
    after: readonly unknown[] | undefined,
    limit: number,
  ): unknown[][] {
    const id = `${table.name}\u0000${after ? 'after' : 'first'}`;
    let statement = this.reads.get(id);
    if (!statement) {
      const extra = table.key.filter((column) => !columns.includes(column));
      const keyList = table.key.map(quote).join(', ');
      const where = after ? `where (${keyList}) > (${table.key.map(() => '?').join(', ')})` : '';
      statement = this.sqlite
        .prepare<unknown[], unknown[]>(
          `select ${[...columns, ...extra].map(quote).join(', ')} from ${quote(table.name)}
           ${where} order by ${keyList} limit ?`,
        )
        .raw(true);
      this.reads.set(id, statement);
    }
    return statement.all(...(after ?? []), limit);
  }

  close(): void {
    this.sqlite.close();
  }
}

export const reasonOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
