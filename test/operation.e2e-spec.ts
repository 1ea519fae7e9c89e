import { statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { loadOrCreateSecrets } from '../src/config/generated-secrets';
import {
  basic,
  createTestApp,
  message,
  newDataDir,
  removeDataDir,
  setServiceEnv,
} from './support/test-app';

describe('health', () => {
  it('/health/live and /health/ready answer 200 on a working store', async () => {
    const t = await createTestApp();
    try {
      await request(t.http).get('/health/live').expect(200);
      const ready = await request(t.http).get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', details: { store: { status: 'up' } } });
    } finally {
      await t.close();
      removeDataDir(t.dataDir);
    }
  });

  it('/health/ready really writes to the store: 503 when it cannot', async () => {
    const t = await createTestApp();
    try {
      // The readiness probe's own row can no longer be written.
      await t.db.schema.alterTable('store_probe').renameTo('store_probe_gone').execute();
      const ready = await request(t.http).get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({
        statusCode: 503,
        code: 'HEALTH.NOT_READY',
        details: { store: { status: 'down' } },
      });
      await request(t.http).get('/health/live').expect(200);
    } finally {
      await t.close();
      removeDataDir(t.dataDir);
    }
  });
});

describe('configuration', () => {
  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['WEBHOOK_TOKENS', 'short'],
    ['ADMIN_TOKEN', 'short'],
    ['BODY_LIMIT', 'huge'],
    ['LOG_LEVEL', 'loud'],
    ['NOTIFY_WEBHOOK_URL', 'ftp://example.com'],
    ['WEBHOOK_PATH', 'no-slash'],
    ['DATABASE_URL', 'mysql://localhost/test'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', 'soon'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['RETRY_SCHEDULE', '5s,soon'],
    ['RETRY_SCHEDULE', '0s'],
    ['DELIVERY_CONCURRENCY', '0'],
    ['DELIVERY_LEASE_MS', '10'],
    ['DELIVERY_POLL_MS', 'often'],
  ])('a bad %s=%s stops the start with a message naming it', async (name, value) => {
    const dataDir = newDataDir();
    setServiceEnv({ DATA_DIR: dataDir, [name]: value });
    try {
      await expect(AppModule.forRoot()).rejects.toThrow(
        new RegExp(`^Invalid configuration:\\n  ${name}: `),
      );
    } finally {
      removeDataDir(dataDir);
    }
  });

  it('serves the webhook on WEBHOOK_PATH', async () => {
    const t = await createTestApp({ env: { WEBHOOK_PATH: '/hooks/kommunicate' } });
    try {
      const payload = message();
      await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
      await request(t.http).post('/message/forward').send(payload).expect(404);
    } finally {
      await t.close();
      removeDataDir(t.dataDir);
    }
  });

  it('generates tokens once when unset, keeps them under DATA_DIR with mode 0600, and reuses them', async () => {
    const dataDir = newDataDir();
    const t = await createTestApp({
      dataDir,
      env: { WEBHOOK_TOKENS: undefined, ADMIN_TOKEN: undefined },
    });
    try {
      const file = join(dataDir, 'secrets.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secrets = loadOrCreateSecrets(dataDir);
      expect(secrets.webhookToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(secrets.adminToken).not.toBe(secrets.webhookToken);

      const payload = message();
      await request(t.http)
        .post('/message/forward')
        .set('Authentication', basic(secrets.webhookToken))
        .set('Content-Type', 'application/json')
        .send(payload)
        .expect(200);
      await request(t.http)
        .get('/api/analytics/summary')
        .set('Authorization', `Bearer ${secrets.adminToken}`)
        .expect(200);
      await t.close();

      const again = await createTestApp({
        dataDir,
        env: { WEBHOOK_TOKENS: undefined, ADMIN_TOKEN: undefined },
      });
      try {
        await request(again.http)
          .post('/message/forward')
          .set('Authentication', basic(secrets.webhookToken))
          .set('Content-Type', 'application/json')
          .send(payload)
          .expect(200, { status: 'duplicate', key: payload.key });
      } finally {
        await again.close();
      }
    } finally {
      removeDataDir(dataDir);
    }
  });
});
