import request from 'supertest';
import { createTestApp, message, removeDataDir, TestApp } from './support/test-app';

const PATH = '/message/forward';

describe('security headers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it.each([
    ['a list', '/api/messages', 200],
    ['one message that is not there', '/api/messages/nope', 404],
    ['analytics', '/api/analytics/summary', 200],
    ['a query that is wrong', '/api/messages?limit=0', 400],
    ['a route that does not exist', '/api/nothing-here', 404],
  ])('/api (%s): nosniff and no-store', async (_name, path, status) => {
    const response = await t.admin(path).expect(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('/api without the admin token: 401 with nosniff and no-store', async () => {
    const response = await request(t.http).get('/api/messages').expect(401);
    expect(response.body).toMatchObject({ code: 'ADMIN.UNAUTHORIZED' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['the webhook, accepted', () => t.deliver(message()), 200],
    ['the webhook, refused', () => request(t.http).post(PATH).send('{}'), 401],
    ['health', () => request(t.http).get('/health/live'), 200],
    ['an unknown route', () => request(t.http).get('/nope'), 404],
    ['the dashboard', () => request(t.http).get('/dashboard'), 200],
  ])('nosniff on every other answer too: %s', async (_name, call, status) => {
    const response = await call().expect(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('outside /api, answers keep their own caching', async () => {
    const response = await request(t.http).get('/health/live').expect(200);
    expect(response.headers['cache-control']).not.toBe('no-store');
    const apiLookalike = await request(t.http).get('/apix').expect(404);
    expect(apiLookalike.headers['cache-control']).toBeUndefined();
  });
});
