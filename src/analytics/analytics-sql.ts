import { Kysely, RawBuilder, sql } from 'kysely';
import type { StoreDialect } from '../storage/database';
import { PreparedQuery } from '../storage/prepared-query';
import type { EdgedSpan, KeyedTables } from './analytics-columns';
import { DAY_MS } from './analytics-store';
import type { AnalyticsTables } from './analytics.tables';

/**
 * The reads that plain Kysely does not say well, as SQL both dialects run
 * alike: integer columns and parameters only (no date functions, no
 * division), `with … as materialized` (SQLite 3.35, PostgreSQL 12). Where
 * the dialects differ, the store's dialect is asked (`SqlDialect`).
 */
export type SqlDialect = StoreDialect['name'];

/**
 * A text column ordered by its bytes, as SQLite orders it: PostgreSQL would
 * otherwise use the database's collation (under en_US, 'agent' comes
 * before 'Ana'), and ties in a top list would be broken, and cut at the
 * limit, differently on the two stores.
 */
export function inByteOrder(dialect: SqlDialect, column: string): RawBuilder<string> {
  return dialect === 'postgres'
    ? sql`${sql.ref(column)} collate "C"`
    : sql<string>`${sql.ref(column)}`;
}

/** A raw SQL query prepared like a built one: compiled once, run with new parameters. */
export function prepareSql<P extends object, R>(
  db: Kysely<AnalyticsTables>,
  build: (p: { readonly [K in keyof P]: P[K] }) => RawBuilder<R>,
): PreparedQuery<P, R> {
  return new PreparedQuery<P, R>((p) => ({ compile: () => build(p).compile(db) }));
}

/**
 * Distinct keys over a span and the busiest ones, in one statement. A key
 * whose first and last hour lie inside the span counts its all-time total
 * (read in first-hour order, no grouping); only the keys that straddle an end
 * of the span are summed from their days and edge hours.
 */
export function keyedSql(t: KeyedTables, dialect: SqlDialect) {
  return (p: { readonly [K in keyof (EdgedSpan & { limit: number })]: number }) => {
    const key = sql.ref(t.column);
    const totals = sql.table(t.totals);
    const inside = sql`first_bucket >= ${p.from} and first_bucket < ${p.to} and last_bucket < ${p.to}`;
    // Straddlers by last hour: seen last inside the span and first before it, or seen after it
    // and first before its end. `+first_bucket` is no index term: SQLite reads the last-hour
    // index (the keys seen since `from`), never the first-hour one (every key seen before it).
    // PostgreSQL reads `+first_bucket` as the same bigint.
    return sql<{ key: string; messages: number; keys: number }>`
      with straddlers as materialized (
        select ${key} as key from ${totals}
          where last_bucket >= ${p.from} and last_bucket < ${p.to} and +first_bucket < ${p.from}
        union all
        select ${key} from ${totals}
          where last_bucket >= ${p.to} and +first_bucket < ${p.to}
      ), partial as (
        select key, sum(messages) as messages from (
          select s.key, d.messages from straddlers as s cross join ${sql.table(t.daily)} as d
            where d.${key} = s.key and d.day_start >= ${p.firstDay} and d.day_start < ${p.lastDay}
          union all
          select ${key}, messages from ${sql.table(t.hourly)}
            where bucket_start >= ${p.from} and bucket_start < ${p.headEnd}
              and ${key} in (select key from straddlers)
          union all
          select ${key}, messages from ${sql.table(t.hourly)}
            where bucket_start >= ${p.tailStart} and bucket_start < ${p.to}
              and ${key} in (select key from straddlers)
        ) as kept group by key
      )
      select key, messages,
        (select count(*) from ${totals} where ${inside}) + (select count(*) from partial) as keys
      from (
        select key, messages from (
          select ${key} as key, messages from ${totals} where ${inside}
          order by messages desc, ${inByteOrder(dialect, t.column)} limit ${p.limit}
        ) as whole
        union all
        select key, messages from partial
      ) as ranked
      order by messages desc, ${inByteOrder(dialect, 'key')} limit ${p.limit}`;
  };
}

/**
 * Per UTC day: the keys seen before hour `shift` (heads), from it on
 * (tails), and those of the tails also seen in the next day's head (or of
 * the heads also seen in the previous day's tail), looked up by key. Hours
 * of the day are integers 0–23 on both dialects, so a day at a whole-hour
 * offset is cut at the same row on both.
 */
export function shiftedDaysSql(t: KeyedTables, drive: 'tails' | 'heads') {
  return (p: { readonly from: number; readonly to: number; readonly shift: number }) => {
    const key = sql.ref(t.column);
    const table = sql.table(t.daily);
    const both =
      drive === 'tails'
        ? sql`d.last_hour >= ${p.shift} and exists (select 1 from ${table} o
            where o.day_start = d.day_start + ${sql.lit(DAY_MS)} and o.${key} = d.${key} and o.first_hour < ${p.shift})`
        : sql`d.first_hour < ${p.shift} and exists (select 1 from ${table} o
            where o.day_start = d.day_start - ${sql.lit(DAY_MS)} and o.${key} = d.${key} and o.last_hour >= ${p.shift})`;
    return sql<{ day_start: number; heads: number; tails: number; spanning: number }>`
      select day_start,
        sum(case when first_hour < ${p.shift} then 1 else 0 end) as heads,
        sum(case when last_hour >= ${p.shift} then 1 else 0 end) as tails,
        sum(case when ${both} then 1 else 0 end) as spanning
      from ${table} as d
      where day_start >= ${p.from} and day_start < ${p.to}
      group by day_start`;
  };
}
