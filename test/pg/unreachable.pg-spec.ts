import request from 'supertest';
import { createTestApp, eventually, message, newDataDir, type TestApp } from '../support/test-app';
import { readCommitted, storeEnv } from '../support/store';
import { TcpProxy } from '../support/tcp-proxy';

describe('PostgreSQL out of reach', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  const dataDir = newDataDir();

  beforeAll(async () => {
    proxy = await TcpProxy.start(5432);
    const url = new URL((await storeEnv(dataDir)).DATABASE_URL);
    url.port = String(proxy.port);
    t = await createTestApp({
      dataDir,
      env: { DATABASE_URL: url.toString(), DATABASE_STATEMENT_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(async () => {
    await proxy.listen().catch(() => undefined);
    await t.close();
    await proxy.cut();
  });

  it('answers 503, never 200, while the database is gone, and recovers when it returns', async () => {
    const before = message();
    await t.deliver(before).expect(200, { status: 'accepted', key: before.key });

    await proxy.cut();
    const during = message();
    const answer = await t.deliver(during);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'WEBHOOK.STORE_UNAVAILABLE', statusCode: 503 });
    expect(answer.headers['retry-after']).toBeDefined();
    await request(t.http).get('/health/ready').expect(503);
    await request(t.http).get('/health/live').expect(200);

    // Back on the same address: no restart, the pool reconnects on its own.
    await proxy.listen();
    await eventually(async () => {
      await request(t.http).get('/health/ready').expect(200);
    }, 10_000);
    await t.deliver(during).expect(200, { status: 'accepted', key: during.key });

    const stored = await readCommitted<{ key: string }>(
      dataDir,
      'select key from messages where key in (?, ?) order by key',
      [before.key, during.key],
    );
    expect(stored.map((row) => row.key).sort()).toEqual([before.key, during.key].sort());
  });
});
