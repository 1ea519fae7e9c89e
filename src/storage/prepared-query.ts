import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';

const MARKER = '\u0000kommhook-param:';

/** Stand-ins for the parameters while the query is built: typed as the values they stand for. */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

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
  /** For each compiled parameter: the name of the value to bind, or the constant to keep. */
  private readonly slots: ({ name: keyof P } | { constant: unknown })[];

  constructor(build: (params: Placeholders<P>) => Compilable<R>) {
    const placeholders = new Proxy({} as Placeholders<P>, {
      get: (_target, name) => `${MARKER}${String(name)}`,
    });
    this.compiled = build(placeholders).compile();
    this.slots = this.compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(MARKER)
        ? { name: value.slice(MARKER.length) as keyof P }
        : { constant: value },
    );
  }

  run<DB>(executor: Kysely<DB>, params: P): Promise<QueryResult<R>> {
    const parameters = this.slots.map((slot) =>
      'name' in slot ? (params[slot.name] as unknown) : slot.constant,
    );
    return executor.executeQuery<R>({ ...this.compiled, parameters });
  }
}

/**
 * Prepared queries over a varying number of rows (multi-row inserts), one
 * per row count, built the first time that count is asked for. Row `i`'s
 * values are named `<column>_<i>`, see `rowParams`.
 */
export class PreparedByCount<P extends object, R = unknown> {
  private readonly byCount = new Map<number, PreparedQuery<Record<string, unknown>, R>>();

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
      const count = rows.length;
      query = new PreparedQuery<Record<string, unknown>, R>((params) =>
        this.build(
          Array.from(
            { length: count },
            (_, i) =>
              new Proxy({} as Placeholders<P>, {
                get: (_target, name) => params[`${String(name)}_${i}`],
              }),
          ),
        ),
      );
      this.byCount.set(count, query);
    }
    return query.run(executor, rowParams(rows));
  }
}

/** `[{a: 1}, {a: 2}]` → `{a_0: 1, a_1: 2}`: the parameter names PreparedByCount binds. */
function rowParams<P extends object>(rows: readonly P[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) params[`${name}_${i}`] = value;
  });
  return params;
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
