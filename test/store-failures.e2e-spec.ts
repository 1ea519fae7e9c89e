import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { once } from 'node:events';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import request from 'supertest';
import { spawnNode } from './support/child-process';
import { createTestApp, message, removeDataDir, TestApp } from './support/test-app';

jest.setTimeout(30_000);

/** Another process holding SQLite's write lock on the store's file until it is told to let go. */
async function lockFromAnotherProcess(file: string): Promise<{ release(): Promise<void> }> {
  const child = spawnNode('test/support/hold-write-lock.js', [file]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('locked')) {
    if (child.exitCode !== null) throw new Error('the lock holder exited');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    async release() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const stored = (t: TestApp): number => {
  const db = new BetterSqlite3(join(t.dataDir, 'kommhook.sqlite'), { readonly: true });
  try {
    return (db.prepare('select count(*) as n from messages').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('a store another process has locked', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp({ env: { STORE_BUSY_TIMEOUT_MS: '300' } });
  });

  afterEach(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('answers webhooks 503 with Retry-After while the event loop stays free, and recovers by itself', async () => {
    await t.deliver(message()).expect(200);
    const lock = await lockFromAnotherProcess(join(t.dataDir, 'kommhook.sqlite'));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    let during: { webhooks: request.Response[]; live: number; ready: number; admin: number };
    const waiting = [message(), message(), message()];
    try {
      delay.enable();
      const [webhooks, live, ready, admin] = await Promise.all([
        Promise.all(waiting.map((payload) => t.deliver(payload))),
        request(t.http).get('/health/live'),
        request(t.http).get('/health/ready'),
        t.admin('/api/messages'),
      ]);
      delay.disable();
      during = { webhooks, live: live.status, ready: ready.status, admin: admin.status };
    } finally {
      await lock.release();
    }
    console.log(
      `event-loop delay while locked: max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
    );

    for (const response of during.webhooks) {
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ code: 'WEBHOOK.STORE_UNAVAILABLE' });
      expect(response.headers['retry-after']).toBe('2');
    }
    expect(during).toMatchObject({ live: 200, ready: 503, admin: 200 });
    expect(delay.max / 1e6).toBeLessThan(100);
    expect(stored(t)).toBe(1);

    // The lock gone, the sender's retries are accepted and readiness comes back.
    for (const payload of waiting) {
      await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    }
    await request(t.http).get('/health/ready').expect(200);
    expect(stored(t)).toBe(4);
  });
});

describe('a store that cannot grow (disk full)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
  });

  afterEach(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('answers 503, keeps nothing half-stored, fails readiness, and recovers when there is room again', async () => {
    const first = message();
    await t.deliver(first).expect(200);
    // SQLite's own page limit stands in for the disk: the error is the same SQLITE_FULL.
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(t.db);
    await sql.raw(`pragma max_page_count = ${rows[0].page_count}`).execute(t.db);

    const big = message({ message: 'x'.repeat(60_000) });
    const rejected = await t.deliver(big).expect(503);
    expect(rejected.body).toMatchObject({ code: 'WEBHOOK.STORE_UNAVAILABLE' });
    await request(t.http).get('/health/ready').expect(503);
    await t.admin(`/api/messages/${encodeURIComponent(big.key)}`).expect(404);
    const deliveries = await sql<{
      n: number;
    }>`select count(*) as n from deliveries where message_key = ${big.key}`.execute(t.db);
    expect(deliveries.rows[0].n).toBe(0);

    await sql.raw('pragma max_page_count = 1073741823').execute(t.db);
    await t.deliver(big).expect(200, { status: 'accepted', key: big.key });
    await request(t.http).get('/health/ready').expect(200);
  });
});
