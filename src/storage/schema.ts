import { ColumnDefinitionBuilder, Kysely, PostgresAdapter } from 'kysely';

/** Which SQL a migration is writing for: the few places they differ ask this. */
export const isPostgres = (db: Kysely<unknown>): boolean =>
  db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * A row id the store hands out: SQLite's `integer primary key autoincrement`,
 * PostgreSQL's `bigint generated always as identity`.
 */
export function idColumn(db: Kysely<unknown>) {
  return {
    type: isPostgres(db) ? ('bigint' as const) : ('integer' as const),
    build: (col: ColumnDefinitionBuilder) =>
      isPostgres(db)
        ? col.primaryKey().generatedAlwaysAsIdentity()
        : col.primaryKey().autoIncrement(),
  };
}
