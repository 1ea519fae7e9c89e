import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { spawnNode } from '../support/child-process';
import { HttpRecorder } from '../support/http-recorder';
import { storeEnv } from '../support/store';
import {
  createTestApp,
  eventually,
  loadFixtures,
  newDataDir,
  removeDataDir,
  TestApp,
} from '../support/test-app';

/**
 * `npm run migrate:sqlite-to-pg`: an SQLite store the service filled over
 * HTTP, copied by the script (a child process, as npm runs it) into a fresh
 * PostgreSQL schema, compared row by row, copied again (nothing new), then
 * served by the service on PostgreSQL.
 */

const SCRIPT = 'scripts/migrate-sqlite-to-pg.ts';
/** The migrator's and the readiness probe's: each side keeps its own. */
const NOT_COPIED = new Set(['kysely_migration', 'kysely_migration_lock', 'store_probe']);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function migrate(...args: string[]): Promise<Run> {
  const child = spawnNode(SCRIPT, args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A PostgreSQL schema of its own (dropped with the run's), as the test apps get one per data directory. */
async function freshTarget(): Promise<{ dir: string; url: string }> {
  const dir = newDataDir();
  const { DATABASE_URL: url } = await storeEnv(dir);
  if (!url)
    throw new Error('KOMMHOOK_TEST_POSTGRES_URL is unset: run this suite with npm run test:pg');
  return { dir, url };
}

type Row = Record<string, string | null>;

/** Every value as text, rows in one order: what each side holds, comparable across drivers. */
const normalise = (rows: readonly Record<string, unknown>[]): Row[] =>
  rows
    .map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => [
          column,
          value === null ? null : String(value as string | number | bigint),
        ]),
      ),
    )
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

function sqliteTables(file: string): Map<string, Row[]> {
  const db = new BetterSqlite3(file, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    const names = db
      .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)
      .pluck()
      .all() as string[];
    return new Map(
      names
        .filter((name) => !NOT_COPIED.has(name))
        .map((name) => [
          name,
          normalise(db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]),
        ]),
    );
  } finally {
    db.close();
  }
}

async function pgQuery<R>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

async function pgTables(url: string, names: Iterable<string>): Promise<Map<string, Row[]>> {
  const tables = new Map<string, Row[]>();
  for (const name of names) {
    tables.set(name, normalise(await pgQuery(url, `select * from "${name}"`)));
  }
  return tables;
}

/** The counts table the script prints: table → [SQLite, PostgreSQL, copied, already there]. */
function countsOf(stdout: string): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  for (const match of stdout.matchAll(/^(\w+) +([\d,]+) +([\d,]+) +([\d,]+) +([\d,]+)$/gm)) {
    counts.set(
      match[1],
      match.slice(2).map((cell) => Number(cell.replaceAll(',', ''))),
    );
  }
  return counts;
}

async function allMessages(t: TestApp): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await t.admin(`/api/messages?limit=500${query}`).expect(200);
    const body = page.body as { items: unknown[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

const MESSAGES = 300;
const REDELIVERED = 10;

describe('npm run migrate:sqlite-to-pg', () => {
  let sqliteDir: string;
  let sqliteFile: string;
  let target: { dir: string; url: string };
  const dirs: string[] = [];
  /** What the service answered on SQLite, to be answered the same on PostgreSQL. */
  let before: { messages: unknown[]; summary: unknown; detail: unknown; attachmentKey: string };
  /** The first run, into the fresh schema: every other test starts from its result. */
  let first: Run;

  beforeAll(async () => {
    const sink = await HttpRecorder.start();
    // SQLite, whatever `npm run test:pg` points the apps at: this is the store to move.
    const t = await createTestApp({
      env: { DATABASE_URL: undefined, NOTIFY_WEBHOOK_URL: `${sink.url}/hooks/offline` },
    });
    sqliteDir = t.dataDir;
    sqliteFile = join(sqliteDir, 'kommhook.sqlite');
    try {
      const fixtures = Object.values(loadFixtures());
      const sent: unknown[] = [];
      let attachmentKey = '';
      for (let i = 0; i < MESSAGES; i++) {
        const fixture = fixtures[i % fixtures.length];
        const payload: Record<string, unknown> = {
          ...fixture,
          key: `5-migrate-${i}-${Date.now()}`,
          timeStamp: Date.now() - 1_000 - i,
          // Unicode, quotes and backslashes in text; offline receivers, so notifications are logged.
          ...(i % 7 === 0 ? { message: `Grüße "${i}" \\ 🎉 ${'ü'.repeat(i % 50)}` } : {}),
          ...(i % 3 === 0 ? { receiverConnected: false } : {}),
        };
        if (fixture.groupId !== undefined) {
          payload.groupId = 7_000 + (i % 25);
          payload.clientGroupId = String(7_000 + (i % 25));
        }
        if (fixture.file) attachmentKey = payload.key as string;
        await t.deliver(payload).expect(200);
        sent.push(payload);
      }
      for (const payload of sent.slice(0, REDELIVERED)) {
        await t
          .deliver(payload)
          .expect(200, { status: 'duplicate', key: (payload as { key: string }).key });
      }
      // Every listener done: deliveries, analytics and the notification log all have their rows.
      await eventually(async () => {
        const open = await t.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['pending', 'running'])
          .executeTakeFirstOrThrow();
        expect(Number(open.n)).toBe(0);
        const logged = await t.db
          .selectFrom('notification_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'sent')
          .executeTakeFirstOrThrow();
        expect(Number(logged.n)).toBeGreaterThan(0);
      }, 30_000);
      before = {
        messages: await allMessages(t),
        summary: (await t.admin('/api/analytics/summary').expect(200)).body,
        detail: (await t.admin(`/api/messages/${attachmentKey}`).expect(200)).body,
        attachmentKey,
      };
    } finally {
      await t.close();
      await sink.stop();
    }
    target = await freshTarget();
    dirs.push(sqliteDir, target.dir);
    first = await migrate('--from', sqliteFile, '--to', target.url);
  }, 150_000);

  afterAll(() => {
    for (const dir of dirs) removeDataDir(dir);
  });

  it('copies every table into the fresh schema, row for row', async () => {
    const run = first;
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK: every row of the SQLite store is in PostgreSQL$/m);

    const sqlite = sqliteTables(sqliteFile);
    const postgres = await pgTables(target.url, sqlite.keys());
    for (const [table, rows] of sqlite) {
      expect({ table, rows: postgres.get(table) }).toEqual({ table, rows });
    }
    // The store the service filled has rows in every kind of table.
    const filled = [...sqlite].filter(([, rows]) => rows.length > 0).map(([table]) => table);
    expect(filled).toEqual(
      expect.arrayContaining([
        'messages',
        'conversations',
        'deliveries',
        'notification_log',
        'analytics_counted',
        'analytics_hourly',
        'analytics_daily',
        'analytics_hourly_senders',
        'analytics_sender_totals',
      ]),
    );
    expect(sqlite.get('messages')).toHaveLength(MESSAGES);

    // The printed counts: both sides equal, every row copied by this run.
    const counts = countsOf(run.stdout);
    for (const [table, rows] of sqlite) {
      expect({ table, counts: counts.get(table) }).toEqual({
        table,
        counts: [rows.length, rows.length, rows.length, 0],
      });
    }
  }, 60_000);

  it('run again, copies nothing new and ends with the same counts', async () => {
    const run = await migrate('--from', sqliteFile, '--to', target.url);
    expect(run.code).toBe(0);
    const sqlite = sqliteTables(sqliteFile);
    const counts = countsOf(run.stdout);
    for (const [table, rows] of sqlite) {
      expect({ table, counts: counts.get(table) }).toEqual({
        table,
        counts: [rows.length, rows.length, 0, rows.length],
      });
    }
    const postgres = await pgTables(target.url, sqlite.keys());
    for (const [table, rows] of sqlite) expect(postgres.get(table)).toHaveLength(rows.length);
  }, 60_000);

  it('the service on PostgreSQL answers as it did on SQLite, and stores new messages', async () => {
    const t = await createTestApp({ dataDir: target.dir });
    try {
      expect(await allMessages(t)).toEqual(before.messages);
      expect((await t.admin('/api/analytics/summary').expect(200)).body).toEqual(before.summary);
      expect((await t.admin(`/api/messages/${before.attachmentKey}`).expect(200)).body).toEqual(
        before.detail,
      );

      // The ids came with the rows: the identity goes on after the highest of them.
      const [{ top }] = await pgQuery<{ top: string }>(
        target.url,
        'select max(id) as top from messages',
      );
      const key = `5-after-migration-${Date.now()}`;
      await t
        .deliver({
          key,
          from: 'visitor-new',
          groupId: 7001,
          message: 'first on PostgreSQL',
          timeStamp: Date.now(),
        })
        .expect(200, { status: 'accepted', key });
      const [stored] = await pgQuery<{ id: string }>(
        target.url,
        'select id from messages where key = $1',
        [key],
      );
      expect(BigInt(stored.id)).toBe(BigInt(top) + 1n);
      const [newest] = (await t.admin('/api/messages?limit=1').expect(200)).body.items as {
        key: string;
      }[];
      expect(newest.key).toBe(key);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('says in a line what is wrong, exit code 2, no stack trace', async () => {
    const behind = join(newDataDir(), 'kommhook.sqlite');
    dirs.push(join(behind, '..'));
    copyFileSync(sqliteFile, behind);
    const db = new BetterSqlite3(behind);
    db.prepare(`delete from kysely_migration where name = '0007-analytics-rollups'`).run();
    db.close();

    const runs = await Promise.all([
      migrate('--from', join(sqliteDir, 'missing.sqlite'), '--to', target.url),
      migrate('--from', sqliteFile, '--to', 'mysql://root:sekret@127.0.0.1/kommhook'),
      migrate('--from', sqliteFile, '--to', 'postgres://kommhook:sekret@127.0.0.1:1/kommhook'),
      migrate('--from', behind, '--to', target.url),
    ]);
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2, 2]);
    const firstLines = runs.map((run) => run.stderr.split('\n')[0]);
    expect(firstLines).toEqual([
      `migrate: --from: ${join(sqliteDir, 'missing.sqlite')} does not exist`,
      'migrate: --to must be a PostgreSQL URL: postgres://user:password@host:port/database',
      'migrate: cannot connect to PostgreSQL at kommhook@127.0.0.1:1/kommhook: connection refused (is PostgreSQL running and listening there?)',
      'migrate: --from: the SQLite store lacks migrations 0007-analytics-rollups: start this kommhook version on it once (it migrates on start), stop it, then run the migration again',
    ]);
    for (const run of runs) {
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain('sekret');
      expect(run.stdout).toBe('');
    }
  }, 60_000);

  it('stops at a NUL in text, naming the row; --replace-nul stores U+FFFD and the rerun completes', async () => {
    const withNul = join(newDataDir(), 'kommhook.sqlite');
    dirs.push(join(withNul, '..'));
    copyFileSync(sqliteFile, withNul);
    const db = new BetterSqlite3(withNul);
    const { id } = db.prepare('select min(id) as id from messages').get() as { id: number };
    db.prepare('update messages set text = ? where id = ?').run('before\u0000after', id);
    db.close();
    const nulTarget = await freshTarget();
    dirs.push(nulTarget.dir);

    const stopped = await migrate('--from', withNul, '--to', nulTarget.url);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(
      `migrate: messages.text of the row id=${id}: holds a NUL character, which PostgreSQL text cannot store (--replace-nul turns it into U+FFFD)`,
    );
    expect(stopped.stderr).not.toMatch(/^\s+at /m);

    const resumed = await migrate('--from', withNul, '--to', nulTarget.url, '--replace-nul');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('; U+0000 replaced by U+FFFD in 1 values');
    const [row] = await pgQuery<{ text: string }>(
      nulTarget.url,
      'select text from messages where id = $1',
      [id],
    );
    expect(row.text).toBe('before\uFFFDafter');
    const [{ n }] = await pgQuery<{ n: string }>(
      nulTarget.url,
      'select count(*) as n from messages',
    );
    expect(Number(n)).toBe(MESSAGES);
  }, 60_000);
});
