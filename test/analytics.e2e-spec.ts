import request from 'supertest';
import type { AnalyticsSummary, AnalyticsTotals } from '../src/analytics/analytics-store';
import {
  createTestApp,
  eventually,
  FixedClock,
  loadFixtures,
  message,
  removeDataDir,
  TestApp,
} from './support/test-app';

// The answers' shapes as the store declares them; times arrive as ISO text over HTTP.
type Summary = AnalyticsSummary & { since: string | null; until: string | null };
type Point = AnalyticsTotals & { start: string };

const EMPTY: AnalyticsTotals = {
  messages: 0,
  conversationsStarted: 0,
  activeConversations: 0,
  senders: 0,
  attachments: 0,
  attachmentBytes: 0,
  offlineMessages: 0,
  offlineShare: 0,
  webhookDelayMs: { p50: null, p95: null },
};

describe('analytics API', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2026-11-20T10:15:00Z'));

  const get = async <T>(path: string): Promise<T> => (await t.admin(path).expect(200)).body as T;
  const summary = (query = ''): Promise<Summary> => get(`/api/analytics/summary${query}`);

  /** Delivers a message as received at `at`, stamped by Kommunicate `delayMs` earlier. */
  const deliverAt = async (at: string, delayMs: number, fields: Record<string, unknown>) => {
    clock.at = new Date(at);
    const payload = message({ ...fields, timeStamp: clock.at.getTime() - delayMs });
    await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    return payload;
  };

  const png = (size: number) => ({
    url: 'https://files.test/a.png',
    contentType: 'image/png',
    size,
    name: 'a.png',
  });
  const pdf = { url: 'https://files.test/b.pdf', contentType: 'application/pdf', size: 1000 };

  beforeAll(async () => {
    t = await createTestApp({ clock });
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('is all zeros before any traffic', async () => {
    expect(await summary()).toEqual({
      since: null,
      until: null,
      ...EMPTY,
      attachmentsByContentType: [],
      topConversations: [],
      topSenders: [],
    });
  });

  // The tests of this block read the same traffic, sent once before them (not by
  // the first of them), so that each passes run alone.
  describe('over a Friday and a Saturday of traffic', () => {
    beforeAll(async () => {
      // Friday 2026-11-20 and Saturday 2026-11-21, UTC.
      const first = await deliverAt('2026-11-20T10:15:00Z', 100, {
        groupId: 1,
        from: 'alice',
        receiverConnected: false,
      });
      await deliverAt('2026-11-20T10:20:00Z', 300, { groupId: 1, from: 'agent', file: png(200) });
      await deliverAt('2026-11-20T11:05:00Z', 800, {
        groupId: 1,
        from: 'alice',
        receiverConnected: false,
        file: png(300),
      });
      await deliverAt('2026-11-20T23:30:00Z', 2_000, { groupId: 2, from: 'bob', file: pdf });
      await deliverAt('2026-11-21T08:00:00Z', 40_000, { groupId: 3, from: 'carol' });
      // A redelivery: answered duplicate, and counted nowhere below.
      await t.deliver(first).expect(200, { status: 'duplicate', key: first.key });
      // Listeners run after the answers: the tests start once analytics has all five.
      await eventually(async () => expect(await summary()).toMatchObject({ messages: 5 }));
    });

    it('sums the traffic that was sent, redeliveries not counted', async () => {
      await eventually(async () =>
        expect(await summary()).toEqual({
          since: null,
          until: null,
          messages: 5,
          attachments: 3,
          attachmentBytes: 1500,
          offlineMessages: 2,
          offlineShare: 0.4,
          conversationsStarted: 3,
          activeConversations: 3,
          senders: 4,
          // Delays 100, 300, 800, 2000, 40000 ms in buckets ≤100, ≤500, ≤1000, ≤2500, ≤60000:
          // the median is halfway into (500, 1000], p95 three quarters into (30000, 60000].
          webhookDelayMs: { p50: 750, p95: 52_500 },
          attachmentsByContentType: [
            { contentType: 'image/png', attachments: 2, bytes: 500 },
            { contentType: 'application/pdf', attachments: 1, bytes: 1000 },
          ],
          topConversations: [
            { conversationKey: 'group:1', messages: 3 },
            { conversationKey: 'group:2', messages: 1 },
            { conversationKey: 'group:3', messages: 1 },
          ],
          topSenders: [
            { sender: 'alice', messages: 2 },
            { sender: 'agent', messages: 1 },
            { sender: 'bob', messages: 1 },
            { sender: 'carol', messages: 1 },
          ],
        }),
      );
    });

    it('filters by since and until, as ISO times or epoch ms, in whole hours', async () => {
      const saturday = Date.parse('2026-11-21T00:00:00Z');
      expect(await summary(`?since=2026-11-21T00:00:00Z`)).toMatchObject({
        messages: 1,
        senders: 1,
        activeConversations: 1,
        topSenders: [{ sender: 'carol', messages: 1 }],
      });
      expect(await summary(`?until=${saturday}`)).toMatchObject({
        messages: 4,
        until: '2026-11-21T00:00:00.000Z',
        activeConversations: 2,
        senders: 3,
      });
      // since is rounded down to its hour: 10:59 still counts the 10:00 hour.
      expect(await summary('?since=2026-11-20T10:59:00Z&until=2026-11-20T12:00:00Z')).toMatchObject(
        {
          messages: 3,
          senders: 2,
          webhookDelayMs: { p50: 375, p95: 925 },
        },
      );
      expect(await summary('?since=2030-01-01T00:00:00Z')).toMatchObject({
        messages: 0,
        senders: 0,
      });
    });

    it('gives hourly points, empty hours included', async () => {
      const series = await get<{ bucket: string; tz: string; points: Point[] }>(
        '/api/analytics/timeseries?bucket=hour&since=2026-11-20T10:00:00Z&until=2026-11-20T13:00:00Z',
      );
      expect(series.bucket).toBe('hour');
      expect(series.tz).toBe('+00:00');
      expect(series.points).toEqual([
        {
          start: '2026-11-20T10:00:00.000Z',
          messages: 2,
          conversationsStarted: 1,
          activeConversations: 1,
          senders: 2,
          attachments: 1,
          attachmentBytes: 200,
          offlineMessages: 1,
          offlineShare: 0.5,
          webhookDelayMs: { p50: 100, p95: 475 },
        },
        {
          start: '2026-11-20T11:00:00.000Z',
          messages: 1,
          conversationsStarted: 0,
          activeConversations: 1,
          senders: 1,
          attachments: 1,
          attachmentBytes: 300,
          offlineMessages: 1,
          offlineShare: 1,
          webhookDelayMs: { p50: 750, p95: 975 },
        },
        { start: '2026-11-20T12:00:00.000Z', ...EMPTY },
      ]);
    });

    it('sums days from hours, at a whole-hour offset from UTC', async () => {
      const utc = await get<{ points: Point[] }>(
        '/api/analytics/timeseries?bucket=day&since=2026-11-20T00:00:00Z&until=2026-11-22T00:00:00Z',
      );
      expect(
        utc.points.map(
          ({ start, messages, activeConversations, senders, conversationsStarted }) => ({
            start,
            messages,
            activeConversations,
            senders,
            conversationsStarted,
          }),
        ),
      ).toEqual([
        {
          start: '2026-11-20T00:00:00.000Z',
          messages: 4,
          activeConversations: 2,
          senders: 3,
          conversationsStarted: 2,
        },
        {
          start: '2026-11-21T00:00:00.000Z',
          messages: 1,
          activeConversations: 1,
          senders: 1,
          conversationsStarted: 1,
        },
      ]);

      // At +02:00 Bob's 23:30 UTC message falls on Saturday.
      const berlinSummer = await get<{ tz: string; points: Point[] }>(
        `/api/analytics/timeseries?bucket=day&tz=${encodeURIComponent('+02:00')}&since=2026-11-19T22:00:00Z&until=2026-11-21T22:00:00Z`,
      );
      expect(berlinSummer.tz).toBe('+02:00');
      expect(
        berlinSummer.points.map(({ start, messages, activeConversations, senders }) => ({
          start,
          messages,
          activeConversations,
          senders,
        })),
      ).toEqual([
        { start: '2026-11-19T22:00:00.000Z', messages: 3, activeConversations: 1, senders: 2 },
        { start: '2026-11-20T22:00:00.000Z', messages: 2, activeConversations: 2, senders: 2 },
      ]);
    });

    it('lists the busiest conversations and senders, across whole days and partial ones', async () => {
      expect(await get('/api/analytics/top?by=conversation&limit=2')).toEqual({
        by: 'conversation',
        items: [
          { key: 'group:1', messages: 3 },
          { key: 'group:2', messages: 1 },
        ],
      });
      expect(
        await get(
          '/api/analytics/top?by=sender&since=2026-11-19T00:00:00Z&until=2026-11-22T00:00:00Z',
        ),
      ).toEqual({
        by: 'sender',
        items: [
          { key: 'alice', messages: 2 },
          { key: 'agent', messages: 1 },
          { key: 'bob', messages: 1 },
          { key: 'carol', messages: 1 },
        ],
      });
      // From 11:00 on Friday to 09:00 on Saturday: only hours, no whole day.
      expect(
        await get(
          '/api/analytics/top?by=conversation&since=2026-11-20T11:00:00Z&until=2026-11-21T09:00:00Z',
        ),
      ).toEqual({
        by: 'conversation',
        items: [
          { key: 'group:1', messages: 1 },
          { key: 'group:2', messages: 1 },
          { key: 'group:3', messages: 1 },
        ],
      });
    });

    it('counts attachments and bytes by content type', async () => {
      expect(await get('/api/analytics/attachments')).toEqual({
        items: [
          { contentType: 'image/png', attachments: 2, bytes: 500 },
          { contentType: 'application/pdf', attachments: 1, bytes: 1000 },
        ],
        attachments: 3,
        bytes: 1500,
      });
      expect(await get('/api/analytics/attachments?since=2026-11-20T23:00:00Z')).toEqual({
        items: [{ contentType: 'application/pdf', attachments: 1, bytes: 1000 }],
        attachments: 1,
        bytes: 1000,
      });
    });
  });

  it.each([
    ['/api/analytics/summary?since=yesterday', 'since'],
    ['/api/analytics/summary?since=2000&until=1000', 'until'],
    // These three answered 500: new Date(…).toISOString() threw a RangeError.
    ['/api/analytics/summary?since=9999999999999999', 'since'],
    ['/api/analytics/summary?until=9999999999999999', 'until'],
    ['/api/analytics/timeseries?until=-271821-04-20T00:00:00Z', 'until'],
    ['/api/analytics/attachments?since=foo%201', 'since'],
    ['/api/analytics/timeseries?tz=%2B01:00&tz=%2B02:00', 'tz'],
    ['/api/analytics/timeseries?bucket=week', 'bucket'],
    ['/api/analytics/timeseries?tz=%2B05:30', 'tz'],
    [
      '/api/analytics/timeseries?bucket=hour&since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z',
      'since',
    ],
    ['/api/analytics/timeseries?bucket=day&since=0&until=9999-12-31T23:59:59Z', 'since'],
    ['/api/analytics/top?by=everyone', 'by'],
    ['/api/analytics/top?limit=101', 'limit'],
  ])('rejects %s with a coded 400 naming %s', async (path, field) => {
    const bad = await t.admin(path).expect(400);
    expect(bad.body).toMatchObject({ code: 'ADMIN.INVALID_QUERY', errors: [{ field }] });
  });

  it.each(['summary', 'timeseries', 'top', 'attachments'])(
    '/api/analytics/%s answers 401 without the admin token, or with the webhook token',
    async (endpoint) => {
      const none = await request(t.http).get(`/api/analytics/${endpoint}`).expect(401);
      expect(none.body).toMatchObject({ code: 'ADMIN.UNAUTHORIZED' });
      await request(t.http)
        .get(`/api/analytics/${endpoint}`)
        .set('Authorization', 'Bearer wrong-admin-token-000000')
        .expect(401);
    },
  );
});

describe('webhook delay of time stamps more than a day off', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2026-11-22T09:00:00Z'));

  beforeAll(async () => {
    t = await createTestApp({ clock });
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('counts the messages of the sample payloads (2016, 2023) but measures no delay from them', async () => {
    const fixtures = Object.values(loadFixtures());
    for (const payload of fixtures) await t.deliver(payload).expect(200);
    // Stamped three days ahead: a clock set wrong, not a delay either.
    await t.deliver(message({ timeStamp: clock.at.getTime() + 3 * 86_400_000 })).expect(200);
    const total = fixtures.length + 1;
    await eventually(async () =>
      expect((await t.admin('/api/analytics/summary').expect(200)).body).toMatchObject({
        messages: total,
        webhookDelayMs: { p50: null, p95: null },
      }),
    );

    // One message 2 s late: both percentiles lie in its bucket, (1000, 2500] ms.
    await t.deliver(message({ timeStamp: clock.at.getTime() - 2_000 })).expect(200);
    await eventually(async () =>
      expect((await t.admin('/api/analytics/summary').expect(200)).body).toMatchObject({
        messages: total + 1,
        webhookDelayMs: { p50: 1_750, p95: 2_425 },
      }),
    );
  });
});
