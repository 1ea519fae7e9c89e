import { Logger } from '@nestjs/common';
import { CompiledQuery, sql } from 'kysely';
import { Client } from 'pg';
import { APP_MIGRATIONS } from '../../src/app.schema';
import type { Database } from '../../src/storage/database';
import { openPostgres } from '../../src/storage/postgres/open-postgres';
import { reasonOf } from './source';
import { StopError } from './stop-error';

export interface TargetColumn {
  readonly name: string;
  /** information_schema's data_type: `bigint`, `text`, … */
  readonly type: string;
  /** Filled from a sequence (an identity or serial column): reset after the copy. */
  readonly sequenced: boolean;
  /** `generated always as identity`: an explicit value needs `overriding system value`. */
  readonly always: boolean;
}

export interface TargetTable {
  readonly name: string;
  readonly columns: readonly TargetColumn[];
  /** The tables its foreign keys point at: copied before it. */
  readonly parents: readonly string[];
}

/** How long the first connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A statement that runs this long is cut; a batch of rows takes well under a second. */
const STATEMENT_TIMEOUT_MS = 600_000;

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The URL as it may be printed: no password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return `${user}${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** Why a connection failed, in the operator's words; node's network errors carry only a code. */
function connectFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED')
    return 'connection refused (is PostgreSQL running and listening there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ETIMEDOUT' || /timeout/i.test(reasonOf(error))) {
    return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  }
  const nested = (error as { errors?: unknown[] } | null)?.errors;
  const message = reasonOf(error) || (nested?.length ? reasonOf(nested[0]) : '');
  return message || (typeof code === 'string' ? code : 'unknown error');
}

/**
 * One short connection before the pool: an unreachable server, a wrong
 * password, a missing database or schema is told in a line, in seconds.
 */
async function probe(url: string): Promise<void> {
  let client: Client;
  try {
    client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  } catch (error) {
    throw new StopError(`--to: not a usable PostgreSQL URL (${reasonOf(error)})`, 2);
  }
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ schema: string | null }>(
      'select current_schema() as schema',
    );
    if (!rows[0].schema) {
      throw new StopError(
        `--to: ${describeUrl(url)} has no schema of its search_path: create the schema first`,
        2,
      );
    }
  } catch (error) {
    if (error instanceof StopError) throw error;
    throw new StopError(
      `cannot connect to PostgreSQL at ${describeUrl(url)}: ${connectFailure(error)}`,
      2,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The PostgreSQL store, its schema made by the app's own migrator. */
export class PostgresTarget {
  private readonly inserts = new Map<string, string>();

  private constructor(private readonly db: Database) {}

  /** Connects and runs kommhook's migrations there, exactly as the service does on start. */
  static async open(url: string, log: (line: string) => void): Promise<PostgresTarget> {
    await probe(url);
    // The migrator's "migration … applied" lines go to stderr with the progress, not stdout.
    Logger.overrideLogger({
      log: (message) => log(`PostgreSQL: ${String(message)}`),
      warn: (message) => log(`PostgreSQL: ${String(message)}`),
      error: (message) => log(`PostgreSQL: ${String(message)}`),
    });
    try {
      return new PostgresTarget(
        await openPostgres({
          url,
          poolSize: 2,
          statementTimeoutMs: STATEMENT_TIMEOUT_MS,
          busyTimeoutMs: 2_000,
          migrations: APP_MIGRATIONS,
        }),
      );
    } catch (error) {
      throw new StopError(
        `cannot bring kommhook's schema up to date in ${describeUrl(url)}: ${reasonOf(error)}`,
        2,
      );
    }
  }

  /** The tables of the service's schema (the connection's current schema), by name. */
  async tables(): Promise<Map<string, TargetTable>> {
    const { rows: columns } = await sql<{
      table: string;
      column: string;
      type: string;
      sequenced: boolean;
      always: boolean;
    }>`
      select c.table_name as "table", c.column_name as "column", c.data_type as type,
        (c.is_identity = 'YES' or coalesce(c.column_default, '') like 'nextval(%') as sequenced,
        coalesce(c.identity_generation = 'ALWAYS', false) as always
      from information_schema.columns c
      join information_schema.tables t
        on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`.execute(this.db);
    const { rows: keys } = await sql<{ child: string; parent: string }>`
      select child.relname as child, parent.relname as parent
      from pg_constraint fk
      join pg_class child on child.oid = fk.conrelid
      join pg_class parent on parent.oid = fk.confrelid
      where fk.contype = 'f' and fk.connamespace = current_schema()::regnamespace`.execute(this.db);
    const tables = new Map<string, TargetTable & { columns: TargetColumn[]; parents: string[] }>();
    for (const row of columns) {
      let table = tables.get(row.table);
      if (!table) tables.set(row.table, (table = { name: row.table, columns: [], parents: [] }));
      table.columns.push({
        name: row.column,
        type: row.type,
        sequenced: row.sequenced,
        always: row.always,
      });
    }
    for (const { child, parent } of keys) {
      if (child !== parent) tables.get(child)?.parents.push(parent);
    }
    return tables;
  }

  /**
   * One batch as one insert, a parameter per column (an array of its values),
   * so the statement text is the same for every batch of the table. A row
   * whose key is already there is left as it is: a second run adds nothing.
   * Returns the rows it added.
   */
  async insert(table: TargetTable, columns: readonly unknown[][]): Promise<number> {
    let text = this.inserts.get(table.name);
    if (!text) {
      const names = table.columns.map((column) => quote(column.name)).join(', ');
      const arrays = table.columns.map((column, i) => `$${i + 1}::${column.type}[]`).join(', ');
      const overriding = table.columns.some((column) => column.always)
        ? ' overriding system value'
        : '';
      text =
        `insert into ${quote(table.name)} (${names})${overriding} ` +
        `select * from unnest(${arrays}) on conflict do nothing`;
      this.inserts.set(table.name, text);
    }
    const result = await this.db.executeQuery(CompiledQuery.raw(text, [...columns]));
    return Number(result.numAffectedRows ?? 0n);
  }

  /**
   * Rows came with their ids: each sequence moves to the highest id, so the
   * service's next insert gets a new one (never backwards, if it was further).
   */
  async resetSequences(table: TargetTable): Promise<void> {
    for (const column of table.columns.filter((candidate) => candidate.sequenced)) {
      await sql`
        select setval(s.seq, greatest(m.top, coalesce(pg_sequence_last_value(s.seq), 0)))
        from (select pg_get_serial_sequence(${quote(table.name)}, ${column.name})::regclass as seq) s,
          (select max(${sql.ref(column.name)}) as top from ${sql.table(table.name)}) m
        where m.top is not null`.execute(this.db);
    }
  }

  async count(table: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from ${sql.table(table)}`.execute(this.db);
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
