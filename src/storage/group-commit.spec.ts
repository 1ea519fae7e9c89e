import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Database } from './database';
import { openSqlite } from './sqlite/open-sqlite';

describe('Database.write: the group commit on a real SQLite file', () => {
  let dir: string;
  let file: string;
  let db: Database;
  let commits: () => number;

  // Migrations log each step; a unit run needs none of it.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-group-commit-'));
    file = join(dir, 'test.sqlite');
    db = await openSqlite(file, { busyTimeoutMs: 300, migrations: [] });
    await sql`create table items (name text primary key)`.execute(db);
    commits = () => db.writeStats.commits;
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (name: string) =>
    db.write(async (trx) => {
      await sql`insert into items (name) values (${name})`.execute(trx);
      return name;
    });

  const stored = async (): Promise<string[]> =>
    (await sql<{ name: string }>`select name from items order by name`.execute(db)).rows.map(
      (row) => row.name,
    );

  it('commits the writes asked for in one turn in one transaction, answering each', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    const results = await Promise.all(names.map(insert));
    expect(results).toEqual(names);
    expect(await stored()).toEqual(names);
    expect(commits()).toBe(1);
  });

  it('runs the keyed writes of a batch in key order, after the unkeyed ones', async () => {
    const ran: string[] = [];
    const write = (name: string, lockOrder?: string) =>
      db.write(
        async (trx) => {
          ran.push(name);
          await sql`insert into items (name) values (${name})`.execute(trx);
        },
        { lockOrder },
      );
    await Promise.all([
      write('k-c', 'c'),
      write('free-1'),
      write('k-a', 'a'),
      write('k-b', 'b'),
      write('free-2'),
    ]);
    expect(ran).toEqual(['free-1', 'free-2', 'k-a', 'k-b', 'k-c']);
    expect(commits()).toBe(1);
  });

  it('answers no caller before the commit that holds its write', async () => {
    const seenByCaller: string[][] = [];
    const reader = new BetterSqlite3(file, { readonly: true });
    const visible = (): string[] =>
      (reader.prepare('select name from items order by name').all() as { name: string }[]).map(
        (row) => row.name,
      );
    await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        await insert(name);
        // Another connection sees the write the moment its caller is answered.
        seenByCaller.push(visible());
      }),
    );
    reader.close();
    expect(seenByCaller).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
  });

  it('rolls back only the write that failed, and commits the rest together', async () => {
    const results = await Promise.allSettled([
      insert('a'),
      insert('b'),
      db.write(async (trx) => {
        await sql`insert into items (name) values ('c')`.execute(trx);
        throw new Error('this write fails after its insert');
      }),
      insert('b'), // primary key violation
      insert('d'),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(
      new Error('this write fails after its insert'),
    );
    expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint/);
    expect(await stored()).toEqual(['a', 'b', 'd']);
    // The optimistic attempt rolled back; the retry with savepoints committed once.
    expect(commits()).toBe(1);
  });

  it('waits for a lock held by another process without blocking the event loop, then fails', async () => {
    const other = new BetterSqlite3(file);
    other.exec('begin immediate');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const result = await insert('locked').then(
      () => 'committed',
      (error: unknown) => (error as { code?: string }).code,
    );
    delay.disable();
    other.exec('rollback');
    other.close();
    expect(result).toBe('SQLITE_BUSY');
    expect(delay.max / 1e6).toBeLessThan(100);
    expect(await stored()).toEqual([]);
    // The lock gone, the next write goes through.
    await expect(insert('after')).resolves.toBe('after');
    expect(await stored()).toEqual(['after']);
  });

  it('commits a write that waited for a lock released in time', async () => {
    const other = new BetterSqlite3(file);
    other.exec('begin immediate');
    setTimeout(() => {
      other.exec('commit');
      other.close();
    }, 100);
    await expect(insert('patient')).resolves.toBe('patient');
    expect(await stored()).toEqual(['patient']);
  });

  it('fails every write of a batch when the store itself fails, and recovers after', async () => {
    const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]
      .page_count;
    await sql.raw(`pragma max_page_count = ${pages}`).execute(db);
    const big = 'x'.repeat(20_000);
    const results = await Promise.allSettled([insert(`${big}-1`), insert(`${big}-2`)]);
    expect(
      results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')),
    ).toEqual(['SQLITE_FULL', 'SQLITE_FULL']);
    await expect(db.assertWritable()).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    await expect(insert('after')).resolves.toBe('after');
    await expect(db.assertWritable()).resolves.toBeUndefined();
    expect(await stored()).toEqual(['after']);
  });
});
