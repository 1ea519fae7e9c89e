import type { Expression, Kysely } from 'kysely';
import { columnsOf, PreparedByCount } from '../storage/prepared-query';
import type { AnalyticsTables } from './analytics.tables';

type Column<R> = keyof R & string;

export interface RollupShape<R> {
  readonly table: keyof AnalyticsTables;
  /** What the table counts per: rows with the same keys are one row. */
  readonly keys: readonly Column<R>[];
  /** Added up. */
  readonly sums: readonly Column<R>[];
  /** Kept at the smallest value written. */
  readonly least?: readonly Column<R>[];
  /** Kept at the largest value written. */
  readonly greatest?: readonly Column<R>[];
  /**
   * A counter that every stored row holds at least 1 of. The upsert then
   * returns it, and a row whose stored count is the batch's own is new:
   * `add` reports the rows the batch created, race-free on every dialect.
   */
  readonly presence?: Column<R>;
}

/** Rows per statement: powers of two up to this, so a table compiles eight statements at most. */
export const MAX_ROWS = 128;

/** The rollup tables as the query builder sees them when their names are values. */
type AnyTables = Record<string, Record<string, number | string>>;

/**
 * A table of counters kept per key and written a batch at a time: rows with
 * the same key are folded first (no statement names a key twice, which
 * PostgreSQL refuses), then upserted with one multi-row
 * `insert … on conflict (keys) do update set c = table.c + excluded.c`
 * per chunk, compiled once per row count.
 */
export class Rollup<R extends object> {
  private readonly upsert: PreparedByCount<R, Record<string, number | string>>;

  constructor(
    db: Kysely<AnalyticsTables>,
    private readonly shape: RollupShape<R>,
  ) {
    const { table, keys, sums, least = [], greatest = [], presence } = shape;
    const columns = [...keys, ...sums, ...least, ...greatest];
    const builder = db as unknown as Kysely<AnyTables>;
    this.upsert = new PreparedByCount<R, Record<string, number | string>>((rows) => {
      const insert = builder
        .insertInto(table)
        .values(rows.map((row) => columnsOf(row, columns) as Record<string, number | string>))
        .onConflict((oc) =>
          oc.columns(keys).doUpdateSet((eb) => {
            const stored = (column: string) => eb.ref(`${table}.${column}`);
            const written = (column: string) => eb.ref(`excluded.${column}`);
            // CASE rather than min()/max(): SQLite's two-argument min is least() on PostgreSQL.
            const keep = (column: string, op: '<' | '>'): Expression<unknown> =>
              eb
                .case()
                .when(written(column), op, stored(column))
                .then(written(column))
                .else(stored(column))
                .end();
            return Object.fromEntries([
              ...sums.map((column) => [column, eb(stored(column), '+', written(column))]),
              ...least.map((column) => [column, keep(column, '<')]),
              ...greatest.map((column) => [column, keep(column, '>')]),
            ]) as Record<string, Expression<number | string>>;
          }),
        );
      return presence === undefined ? insert : insert.returning([...keys, presence]);
    }, MAX_ROWS);
  }

  /** Adds the rows (in any number, keys repeated or not); returns the rows that were new, if `presence` is set. */
  async add(trx: Kysely<AnalyticsTables>, rows: readonly R[]): Promise<R[]> {
    const folded = this.fold(rows);
    const created: R[] = [];
    for (const part of powerOfTwoChunks([...folded.values()], MAX_ROWS)) {
      const { rows: stored } = await this.upsert.run(trx, part);
      const { presence } = this.shape;
      if (presence === undefined) continue;
      for (const row of stored) {
        const mine = folded.get(this.keyOf(row));
        if (mine && Number(row[presence]) === Number(mine[presence])) created.push(mine);
      }
    }
    return created;
  }

  private fold(rows: readonly R[]): Map<string, R> {
    const { sums, least = [], greatest = [] } = this.shape;
    const folded = new Map<string, R>();
    for (const row of rows) {
      const key = this.keyOf(row);
      const into = folded.get(key) as Record<string, number> | undefined;
      if (!into) {
        folded.set(key, { ...row });
        continue;
      }
      const from = row as Record<string, number>;
      for (const column of sums) into[column] += from[column];
      for (const column of least) into[column] = Math.min(into[column], from[column]);
      for (const column of greatest) into[column] = Math.max(into[column], from[column]);
    }
    return folded;
  }

  private keyOf(row: object): string {
    return this.shape.keys
      .map((column) => String((row as Record<string, unknown>)[column]))
      .join('\u0000');
  }
}

/** 300 rows → 128, 128, 32, 8, 4: chunk sizes from a fixed few, so few statements are compiled. */
export function powerOfTwoChunks<T>(rows: readonly T[], max: number): T[][] {
  const out: T[][] = [];
  let at = 0;
  while (at < rows.length) {
    let size = max;
    while (size > rows.length - at) size /= 2;
    out.push(rows.slice(at, at + size));
    at += size;
  }
  return out;
}
