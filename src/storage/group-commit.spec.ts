import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from './database';
import { GroupCommit, WriteWork } from './group-commit';

describe('GroupCommit on a real SQLite file', () => {
  let dir: string;
  let db: Database;
  let transactions: number;
  let commit: GroupCommit;

  // Migrations log each step; a unit run needs none of it.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-group-commit-'));
    db = await Database.openSqlite(join(dir, 'test.sqlite'));
    await sql`create table items (name text primary key)`.execute(db);
    transactions = 0;
    commit = new GroupCommit(<T>(work: WriteWork<T>) => {
      transactions += 1;
      return db.transaction().execute(work);
    });
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (name: string) =>
    commit.write(async (trx) => {
      await sql`insert into items (name) values (${name})`.execute(trx);
      return name;
    });

  const stored = async (): Promise<string[]> =>
    (await sql<{ name: string }>`select name from items order by name`.execute(db)).rows.map(
      (row) => row.name,
    );

  it('commits writes that arrive together in far fewer transactions, answering each', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    const results = await Promise.all(names.map(insert));
    expect(results).toEqual(names);
    expect(await stored()).toEqual(names);
    // The first write starts a transaction alone; the 49 queued behind it share the next.
    expect(transactions).toBe(2);
  });

  it('rolls back only the write that failed', async () => {
    const results = await Promise.allSettled([
      insert('a'),
      insert('b'),
      commit.write(async (trx) => {
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
    expect(await stored()).toEqual(['a', 'b', 'd']);
  });

  it('rejects every write of a batch whose commit fails, and keeps none of them', async () => {
    const failing = new GroupCommit(() => Promise.reject(new Error('disk full')));
    const results = await Promise.allSettled([
      failing.write(() => Promise.resolve(1)),
      failing.write(() => Promise.resolve(2)),
    ]);
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('disk full') },
      { status: 'rejected', reason: new Error('disk full') },
    ]);
    // The queue is not stuck: the next write goes through.
    await expect(insert('after')).resolves.toBe('after');
    expect(await stored()).toEqual(['after']);
  });
});
