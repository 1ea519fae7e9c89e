import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';
import { connectionOf } from './database';

const MARKER = '\u0000kommhook-param:';

/** Stand-ins for the parameters while the query is built: typed as the values they stand for. */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

type Slot = { readonly row: number; readonly name: string } | { readonly constant: unknown };

/** Placeholders for row `row`: each property read gives a marker naming the row and the value. */
const placeholdersFor = <P>(row: number): Placeholders<P> =>
  new Proxy({} as Placeholders<P>, { get: (_target, name) => `${MARKER}${row}:${String(name)}` });

/** Compiles a query built from placeholders, and finds where each placeholder went. */
function compile<R>(query: Compilable<R>): { compiled: CompiledQuery<R>; slots: Slot[] } {
  const compiled = query.compile();
  const slots = compiled.parameters.map((value): Slot => {
    if (typeof value !== 'string' || !value.startsWith(MARKER)) return { constant: value };
    const [row, name] = value.slice(MARKER.length).split(/:(.*)/s);
    return { row: Number(row), name };
  });
  return { compiled, slots };
}

function bind(slots: readonly Slot[], rows: readonly object[]): unknown[] {
  return slots.map((slot) =>
    'constant' in slot ? slot.constant : (rows[slot.row] as Record<string, unknown>)[slot.name],
  );
}

/** On the write transaction's own connection when there is one (see Database), else through Kysely. */
function execute<DB, R>(executor: Kysely<DB>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const connection = connectionOf(executor);
  return connection ? connection.executeQuery<R>(query) : executor.executeQuery<R>(query);
}

/**
 * A query built and compiled once, by whichever dialect the store speaks,
 * and then run many times with new parameters. Building and compiling a
 * Kysely query costs several times what running it does on SQLite, so the
 * queries on the webhook's path are prepared this way.
 *
 * The builder receives placeholders instead of values; the compiled
 * query's parameter list tells where each one went. Values the builder
 * wrote itself (a `+ 1`, a status literal) stay as they were compiled.
 */
export class PreparedQuery<P extends object, R = unknown> {
  private readonly compiled: CompiledQuery<R>;
  private readonly slots: readonly Slot[];

  constructor(build: (params: Placeholders<P>) => Compilable<R>) {
    ({ compiled: this.compiled, slots: this.slots } = compile(build(placeholdersFor<P>(0))));
  }

  run<DB>(executor: Kysely<DB>, params: P): Promise<QueryResult<R>> {
    return execute(executor, { ...this.compiled, parameters: bind(this.slots, [params]) });
  }
}

/**
 * Prepared queries over a varying number of rows (multi-row inserts), one
 * per row count, built the first time that count is asked for.
 */
export class PreparedByCount<P extends object, R = unknown> {
  private readonly byCount = new Map<number, { compiled: CompiledQuery<R>; slots: Slot[] }>();

  constructor(
    private readonly build: (rows: readonly Placeholders<P>[]) => Compilable<R>,
    /** Larger counts are split by the caller; bounds the number of statements kept. */
    readonly maxRows: number,
  ) {}

  run<DB>(executor: Kysely<DB>, rows: readonly P[]): Promise<QueryResult<R>> {
    if (rows.length === 0 || rows.length > this.maxRows) {
      throw new RangeError(`between 1 and ${this.maxRows} rows, not ${rows.length}`);
    }
    let query = this.byCount.get(rows.length);
    if (!query) {
      query = compile(
        this.build(Array.from({ length: rows.length }, (_, i) => placeholdersFor<P>(i))),
      );
      this.byCount.set(rows.length, query);
    }
    return execute(executor, { ...query.compiled, parameters: bind(query.slots, rows) });
  }
}

/**
 * The named placeholders as a plain object, for `values(...)`: Kysely reads
 * an object's own keys, which the placeholder proxy has none of.
 */
export function columnsOf<P, K extends keyof P>(
  placeholders: Placeholders<P>,
  columns: readonly K[],
): Pick<P, K> {
  const values = {} as Pick<P, K>;
  for (const column of columns) values[column] = placeholders[column];
  return values;
}

/** Splits rows into chunks a PreparedByCount takes. */
export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
