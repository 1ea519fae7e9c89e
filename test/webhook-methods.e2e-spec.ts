import request from 'supertest';
import { createTestApp, message, removeDataDir, TestApp, WEBHOOK_TOKEN } from './support/test-app';

const PATH = '/message/forward';

describe('methods on the webhook path', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it.each(['get', 'delete', 'put', 'patch'] as const)(
    '%s: 405 WEBHOOK.METHOD_NOT_ALLOWED with Allow: POST, token or not',
    async (method) => {
      for (const auth of [undefined, `Basic ${Buffer.from(WEBHOOK_TOKEN).toString('base64')}`]) {
        const call = request(t.http)[method](PATH);
        if (auth) call.set('Authentication', auth);
        const response = await call.expect(405);
        expect(response.headers.allow).toBe('POST');
        expect(response.body).toEqual({
          statusCode: 405,
          code: 'WEBHOOK.METHOD_NOT_ALLOWED',
          message: 'Only POST is accepted here.',
        });
      }
    },
  );

  it('a PUT with a JSON body is 405 and stores nothing', async () => {
    const payload = message();
    await request(t.http)
      .put(PATH)
      .set('Authentication', `Basic ${Buffer.from(WEBHOOK_TOKEN).toString('base64')}`)
      .send(payload)
      .expect(405);
    const stored = await t.db.selectFrom('messages').select('key').execute();
    expect(stored).toEqual([]);
  });

  it('HEAD: 405 with Allow: POST and no body', async () => {
    const response = await request(t.http).head(PATH).expect(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.text).toBeUndefined();
  });

  it('OPTIONS: 204 with Allow: POST', async () => {
    const response = await request(t.http).options(PATH).expect(204);
    expect(response.headers.allow).toBe('POST');
    expect(response.text).toBe('');
  });

  it('none of them counts against the rate limit', async () => {
    for (let i = 0; i < 5; i++) await request(t.http).get(PATH).expect(405);
    await t.deliver(message()).expect(200);
    await t.deliver(message()).expect(200);
    await t.deliver(message()).expect(429);
  });
});
