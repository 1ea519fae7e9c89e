import request from 'supertest';
import { createTestApp, eventually, message, removeDataDir, TestApp } from './support/test-app';

interface Summary {
  since: string | null;
  until: string | null;
  messages: number;
  attachments: number;
  attachmentBytes: number;
  offlineMessages: number;
  offlineShare: number;
  conversationsStarted: number;
  activeConversations: number;
  senders: number;
  attachmentsByContentType: { contentType: string; attachments: number; bytes: number }[];
  topConversations: { conversationKey: string; messages: number }[];
  topSenders: { sender: string; messages: number }[];
}

describe('GET /api/analytics/summary', () => {
  let t: TestApp;

  const summary = async (query = ''): Promise<Summary> =>
    (await t.admin(`/api/analytics/summary${query}`).expect(200)).body as Summary;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('is all zeros before any traffic', async () => {
    expect(await summary()).toMatchObject({
      messages: 0,
      attachments: 0,
      offlineShare: 0,
      activeConversations: 0,
      topSenders: [],
    });
  });

  it('matches the traffic that was sent, redeliveries not counted', async () => {
    const png = (size: number) => ({
      url: 'https://files.test/a.png',
      contentType: 'image/png',
      size,
      name: 'a.png',
    });
    const pdf = { url: 'https://files.test/b.pdf', contentType: 'application/pdf', size: 1000 };
    const traffic = [
      message({ groupId: 1, from: 'alice', receiverConnected: false }),
      message({ groupId: 1, from: 'agent', receiverConnected: true, file: png(200) }),
      message({ groupId: 1, from: 'alice', receiverConnected: false, file: png(300) }),
      message({ groupId: 2, from: 'bob', receiverConnected: true, file: pdf }),
      message({ groupId: 3, from: 'carol' }),
    ];
    for (const payload of traffic) await t.deliver(payload).expect(200);
    await t.deliver(traffic[0]).expect(200, { status: 'duplicate', key: traffic[0].key });

    const expected = {
      messages: 5,
      attachments: 3,
      attachmentBytes: 1500,
      offlineMessages: 2,
      offlineShare: 0.4,
      conversationsStarted: 3,
      activeConversations: 3,
      senders: 4,
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
    };
    await eventually(async () =>
      expect(await summary()).toEqual({ since: null, until: null, ...expected }),
    );
  });

  it('filters by since and until, as ISO times or epoch ms', async () => {
    const hourAgo = Date.now() - 3_600_000;
    const inTwoHours = Date.now() + 7_200_000;
    expect(await summary(`?since=${new Date(hourAgo).toISOString()}`)).toMatchObject({
      messages: 5,
    });
    expect(await summary(`?since=${hourAgo}&until=${inTwoHours}`)).toMatchObject({
      messages: 5,
      since: new Date(hourAgo).toISOString(),
    });
    expect(await summary(`?until=${hourAgo - 3_600_000}`)).toMatchObject({
      messages: 0,
      senders: 0,
    });
    expect(await summary(`?since=${inTwoHours}`)).toMatchObject({ messages: 0 });
  });

  it('rejects a bad range with a coded 400', async () => {
    const bad = await t.admin('/api/analytics/summary?since=yesterday').expect(400);
    expect(bad.body).toMatchObject({ code: 'ADMIN.INVALID_QUERY', errors: [{ field: 'since' }] });
    const reversed = await t.admin('/api/analytics/summary?since=2000&until=1000').expect(400);
    expect(reversed.body).toMatchObject({
      code: 'ADMIN.INVALID_QUERY',
      errors: [{ field: 'until' }],
    });
  });

  it('answers 401 without the admin token, or with the webhook token', async () => {
    const none = await request(t.http).get('/api/analytics/summary').expect(401);
    expect(none.body).toMatchObject({ code: 'ADMIN.UNAUTHORIZED' });
    await request(t.http)
      .get('/api/analytics/summary')
      .set('Authorization', 'Bearer wrong-admin-token-000000')
      .expect(401);
  });
});
