import request from 'supertest';
import type { DeliveryView } from '../src/admin/views/delivery.view';
import type { MessageDetail, MessageView } from '../src/admin/views/message.view';
import {
  ADMIN_TOKEN,
  createTestApp,
  eventually,
  fixtureText,
  loadFixtures,
  message,
  removeDataDir,
  TestApp,
} from './support/test-app';
import { plannedDeliveries } from './support/planned-deliveries';
import { ListenerRegistry } from '../src/delivery/listener-registry';
import { MESSAGE_RECEIVED } from '../src/messages';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('admin API', () => {
  let t: TestApp;
  const sent: ReturnType<typeof message>[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    // 25 messages over two conversations and two senders, one after another.
    for (let i = 0; i < 25; i += 1) {
      const m = message({ groupId: i % 2 === 0 ? 4001 : 4002, from: i < 10 ? 'alice' : 'bob' });
      sent.push(m);
      await t.deliver(m).expect(200);
    }
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const pageThrough = async (query: string, limit: number): Promise<MessageView[]> => {
    const seen: MessageView[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const path: string = `/api/messages?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.admin(path).expect(200)).body as Page<MessageView>;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null) return seen;
    }
    throw new Error('pagination did not end');
  };

  describe('without the admin token', () => {
    const endpoints: [string, string][] = [
      ['get', '/api/messages'],
      ['get', '/api/messages/some-key'],
      ['post', '/api/messages/some-key/replay'],
      ['get', '/api/deliveries'],
      ['post', '/api/deliveries/some-id/retry'],
      ['post', '/api/deliveries/retry'],
      ['get', '/api/analytics/summary'],
    ];

    it.each(endpoints)('%s %s answers 401 ADMIN.UNAUTHORIZED', async (method, path) => {
      const agent = request(t.http);
      const bare = await (method === 'get' ? agent.get(path) : agent.post(path)).expect(401);
      expect(bare.body).toEqual({
        statusCode: 401,
        code: 'ADMIN.UNAUTHORIZED',
        message: 'Missing or wrong admin token.',
      });
      expect(bare.headers['www-authenticate']).toBe('Bearer realm="kommhook-admin"');

      const wrong = method === 'get' ? agent.get(path) : agent.post(path);
      await wrong.set('Authorization', `Bearer ${ADMIN_TOKEN}x`).expect(401);
    });

    it('a bulk redrive without the token changes nothing', async () => {
      await t.db
        .updateTable('deliveries')
        .set({ status: 'dead' })
        .where('message_key', '=', sent[0].key)
        .execute();
      await request(t.http).post('/api/deliveries/retry?status=dead').expect(401);
      const rows = await t.db
        .selectFrom('deliveries')
        .select('status')
        .where('message_key', '=', sent[0].key)
        .execute();
      expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'dead'));
      await t.adminPost('/api/deliveries/retry?status=dead').expect(202);
    });
  });

  describe('GET /api/messages', () => {
    it('pages through every message exactly once, newest first', async () => {
      for (const limit of [1, 7, 25, 500]) {
        const seen = await pageThrough('', limit);
        expect(seen.map((m) => m.key)).toEqual(sent.map((m) => m.key).reverse());
      }
    });

    it('keeps its place when messages arrive between pages', async () => {
      const first = (await t.admin('/api/messages?limit=5').expect(200)).body as Page<MessageView>;
      const late = message({ groupId: 4999 });
      await t.deliver(late).expect(200);
      const rest = await (async () => {
        const items: MessageView[] = [];
        let cursor = first.nextCursor;
        while (cursor) {
          const page = (await t.admin(`/api/messages?limit=5&cursor=${cursor}`).expect(200))
            .body as Page<MessageView>;
          items.push(...page.items);
          cursor = page.nextCursor;
        }
        return items;
      })();
      const keys = [...first.items, ...rest].map((m) => m.key);
      expect(keys).toEqual(sent.map((m) => m.key).reverse());
      expect(keys).not.toContain(late.key);
      sent.push(late);
    });

    it('filters by conversation, sender and time', async () => {
      const inGroup = await pageThrough('&conversation=group:4001', 4);
      expect(inGroup.map((m) => m.key)).toEqual(
        sent
          .filter((m) => m.groupId === 4001)
          .map((m) => m.key)
          .reverse(),
      );

      const fromAlice = await pageThrough('&from=alice', 3);
      expect(fromAlice.map((m) => m.key)).toEqual(
        sent
          .filter((m) => m.from === 'alice')
          .map((m) => m.key)
          .reverse(),
      );

      const all = await pageThrough('', 500);
      const pivot = all[10].receivedAt;
      const since = await pageThrough(`&since=${encodeURIComponent(pivot)}`, 500);
      expect(since.every((m) => m.receivedAt >= pivot)).toBe(true);
      const until = await pageThrough(`&until=${Date.parse(pivot)}`, 500);
      expect(until.every((m) => m.receivedAt < pivot)).toBe(true);
      expect(since.length + until.length).toBe(all.length);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=abc', 'limit'],
      ['since=yesterday', 'since'],
      ['since=9999999999999999', 'since'],
      ['until=-271821-04-20T00:00:00Z', 'until'],
      ['cursor=not-a-cursor', 'cursor'],
      ['from=a&from=b', 'from'],
      [`conversation=${'c'.repeat(1025)}`, 'conversation'],
    ])('rejects %s with 400 ADMIN.INVALID_QUERY', async (query, field) => {
      const answer = await t.admin(`/api/messages?${query}`).expect(400);
      expect(answer.body).toMatchObject({
        statusCode: 400,
        code: 'ADMIN.INVALID_QUERY',
        errors: [{ field }],
      });
    });
  });

  describe('GET /api/messages/:key', () => {
    it('returns the normalised message, its raw payload and its deliveries', async () => {
      const fixture = loadFixtures()['attachment-with-metadata'];
      await t.deliver(fixtureText('attachment-with-metadata')).expect(200);
      const key = fixture.key as string;

      const detail = await eventually(async () => {
        const body = (await t.admin(`/api/messages/${encodeURIComponent(key)}`).expect(200))
          .body as MessageDetail;
        expect(body.deliveries.map((d) => d.status)).toEqual(body.deliveries.map(() => 'done'));
        return body;
      });
      expect(detail.message.key).toBe(key);
      expect(detail.message.file).toMatchObject({ url: (fixture.file as { url: string }).url });
      expect(detail.raw).toEqual(fixture);
      const planned = await plannedDeliveries(t.app, key);
      expect(planned.length).toBeGreaterThan(0);
      expect(
        detail.deliveries.map((d: DeliveryView) => `${d.event} → ${d.listener}`).sort(),
      ).toEqual(planned);
    });

    it('answers 404 ADMIN.NOT_FOUND for an unknown key', async () => {
      const answer = await t.admin('/api/messages/no-such-key').expect(404);
      expect(answer.body).toEqual({
        statusCode: 404,
        code: 'ADMIN.NOT_FOUND',
        message: 'No message with key "no-such-key" is stored.',
      });
    });
  });

  describe('GET /api/deliveries', () => {
    it('pages through deliveries by status and listener, each once', async () => {
      // Any listener of every message will do: the first the app discovered.
      const [{ name: listener }] = t.app.get(ListenerRegistry).listenersOf(MESSAGE_RECEIVED);
      const seen: DeliveryView[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/api/deliveries?listener=${listener}&status=done&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await t.admin(path).expect(200)).body as Page<DeliveryView>;
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      const expected = await t.db
        .selectFrom('deliveries')
        .select('id')
        .where('listener', '=', listener)
        .where('status', '=', 'done')
        .execute();
      // More than one page of them, or the paging went untested.
      expect(seen.length).toBeGreaterThan(4);
      expect(seen.map((d) => d.id).sort()).toEqual(expected.map((row) => row.id).sort());
      expect(new Set(seen.map((d) => d.id)).size).toBe(seen.length);
      expect(seen.every((d) => d.listener === listener && d.status === 'done')).toBe(true);
    });

    it('rejects an unknown status', async () => {
      const answer = await t.admin('/api/deliveries?status=lost').expect(400);
      expect(answer.body).toMatchObject({
        code: 'ADMIN.INVALID_QUERY',
        errors: [{ field: 'status' }],
      });
    });
  });

  describe('OpenAPI', () => {
    it('describes the admin API at /docs-json and serves the page at /docs', async () => {
      const spec = (await request(t.http).get('/docs-json').expect(200)).body as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(spec.paths)).toEqual(
        expect.arrayContaining([
          '/api/messages',
          '/api/messages/{key}',
          '/api/messages/{key}/replay',
          '/api/deliveries',
          '/api/deliveries/retry',
          '/api/deliveries/{id}/retry',
        ]),
      );
      const page = await request(t.http).get('/docs').expect(200);
      expect(page.text).toContain('swagger-ui');
    });
  });
});
