import { APP_MIGRATIONS } from '../../src/app.schema';
import { migrationsOf } from '../../src/storage/database';
import { SourceTable, SqliteSource } from './source';
import { StopError } from './stop-error';
import { PostgresTarget, TargetTable } from './target';
import { Converter, converterFor, ValueError, ValueOptions } from './values';

export interface TablePlan {
  readonly source: SourceTable;
  readonly target: TargetTable;
  /** One per target column, in its order. */
  readonly converters: readonly Converter[];
  /** Where the key's values sit in a row as the source reads it. */
  readonly keyAt: readonly number[];
  readonly batchRows: number;
}

/**
 * The SQLite store must be at exactly the schema this kommhook makes, so
 * that the two sides hold the same tables and columns.
 */
export function checkMigrations(applied: readonly string[]): void {
  const expected = Object.keys(migrationsOf(APP_MIGRATIONS));
  const missing = expected.filter((name) => !applied.includes(name));
  const unknown = applied.filter((name) => !expected.includes(name));
  if (unknown.length > 0) {
    throw new StopError(
      `--from: the SQLite store has migrations this kommhook does not know (${unknown.join(', ')}): ` +
        'run the migration from the kommhook version that last ran on it',
      2,
    );
  }
  if (missing.length > 0) {
    throw new StopError(
      `--from: the SQLite store lacks migrations ${missing.join(', ')}: start this kommhook version ` +
        'on it once (it migrates on start), stop it, then run the migration again',
      2,
    );
  }
}

/**
 * Which table is copied how, in an order where a table comes after the
 * tables its foreign keys point at (then by name).
 */
export function planCopy(
  sources: readonly SourceTable[],
  targets: ReadonlyMap<string, TargetTable>,
  options: ValueOptions & { batchRows: number },
): TablePlan[] {
  const problems: string[] = [];
  const plans = new Map<string, TablePlan>();
  for (const source of sources) {
    const target = targets.get(source.name);
    if (!target) {
      problems.push(`table ${source.name} is not in PostgreSQL`);
      continue;
    }
    const targetColumns = target.columns.map((column) => column.name);
    const absent = targetColumns.filter((column) => !source.columns.includes(column));
    const extra = source.columns.filter((column) => !targetColumns.includes(column));
    if (absent.length + extra.length > 0) {
      problems.push(
        `table ${source.name} differs: ${[
          ...absent.map((column) => `${column} only in PostgreSQL`),
          ...extra.map((column) => `${column} only in SQLite`),
        ].join(', ')}`,
      );
      continue;
    }
    const converters: Converter[] = [];
    for (const column of target.columns) {
      const converter = converterFor(column.type, options);
      if (converter) converters.push(converter);
      else
        problems.push(
          `${source.name}.${column.name} has a PostgreSQL type (${column.type}) the script cannot fill`,
        );
    }
    const extraKey = source.key.filter((column) => !targetColumns.includes(column));
    const keyAt = source.key.map((column) =>
      targetColumns.includes(column)
        ? targetColumns.indexOf(column)
        : targetColumns.length + extraKey.indexOf(column),
    );
    plans.set(source.name, {
      source,
      target,
      converters,
      keyAt,
      batchRows: options.batchRows,
    });
  }
  if (problems.length > 0) {
    throw new StopError(`the two schemas differ: ${problems.join('; ')}`, 2);
  }
  return dependencyOrder([...plans.values()]);
}

function dependencyOrder(plans: readonly TablePlan[]): TablePlan[] {
  const byName = new Map(plans.map((plan) => [plan.source.name, plan]));
  const ordered: TablePlan[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (plan: TablePlan): void => {
    const name = plan.source.name;
    if (placed.has(name) || visiting.has(name)) return; // a cycle: its order is as good as any
    visiting.add(name);
    for (const parent of [...plan.target.parents].sort()) {
      const parentPlan = byName.get(parent);
      if (parentPlan) place(parentPlan);
    }
    visiting.delete(name);
    placed.add(name);
    ordered.push(plan);
  };
  for (const plan of [...plans].sort((a, b) => a.source.name.localeCompare(b.source.name))) {
    place(plan);
  }
  return ordered;
}

export interface TableCopied {
  readonly table: string;
  /** Rows PostgreSQL took. */
  readonly copied: number;
  /** Rows whose key PostgreSQL already had (a second run). */
  readonly present: number;
}

/**
 * Copies one table in key order, a batch per insert; the next batch is
 * read from SQLite while PostgreSQL writes the last one.
 */
export async function copyTable(
  plan: TablePlan,
  from: SqliteSource,
  to: PostgresTarget,
  onProgress: (done: number) => void,
  signal?: AbortSignal,
): Promise<TableCopied> {
  const columns = plan.target.columns.map((column) => column.name);
  const width = columns.length;
  let after: unknown[] | undefined;
  let done = 0;
  let copied = 0;
  let pending: Promise<number> | undefined;
  let pendingRows = 0;
  try {
    for (;;) {
      const rows = from.readBatch(plan.source, columns, after, plan.batchRows);
      if (pending) {
        copied += await pending;
        done += pendingRows;
        onProgress(done);
      }
      pending = undefined;
      if (rows.length === 0 || signal?.aborted) break;
      const values = columns.map(() => new Array<unknown>(rows.length));
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        for (let c = 0; c < width; c++) {
          try {
            values[c][r] = plan.converters[c](row[c]);
          } catch (error) {
            if (!(error instanceof ValueError)) throw error;
            const key = plan.source.key.map((name, i) => `${name}=${String(row[plan.keyAt[i]])}`);
            throw new StopError(
              `${plan.source.name}.${columns[c]} of the row ${key.join(', ')}: ${error.message}`,
              1,
            );
          }
        }
      }
      const last = rows[rows.length - 1];
      after = plan.keyAt.map((at) => last[at]);
      pending = to.insert(plan.target, values);
      pendingRows = rows.length;
    }
  } finally {
    // A batch still in flight is awaited either way: its failure is not left unhandled.
    if (pending) await pending.catch(() => 0);
  }
  await to.resetSequences(plan.target);
  return { table: plan.source.name, copied, present: done - copied };
}
