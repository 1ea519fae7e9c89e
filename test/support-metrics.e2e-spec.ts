import {
  createTestApp,
  eventually,
  FixedClock,
  message,
  removeDataDir,
  TestApp,
  TestMessage,
} from './support/test-app';

const MIN = 60_000;
const at = (iso: string): number => Date.parse(iso);
const figures = (count: number, medianMs: number, p90Ms: number, meanMs: number) => ({
  count,
  medianMs,
  p90Ms,
  meanMs,
});

/**
 * A support week in Berlin (UTC+1 in November), Thursday 2026-11-26 a holiday,
 * open Mon-Fri 09:00-17:00; sessions end after a day's silence.
 */
describe('support metrics', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2026-11-27T12:00:00Z'));
  const sent: TestMessage[] = [];

  const get = async <T>(path: string): Promise<T> => (await t.admin(path).expect(200)).body as T;
  const post = async (groupId: number, from: string, iso: string, extra = {}) => {
    const payload = message({
      groupId,
      clientGroupId: undefined,
      from,
      timeStamp: at(iso),
      ...extra,
    });
    await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    sent.push(payload);
    return payload;
  };
  /** Every delivery of the support listener finished, and the tables hold `messages` messages. */
  const settled = async (messages: number) => {
    await eventually(async () => {
      for (const status of ['pending', 'running', 'failed', 'dead']) {
        const open = await t.admin(`/api/deliveries?status=${status}&listener=support.sessions`);
        expect((open.body as { items: unknown[] }).items).toEqual([]);
      }
      const stored = await t.db
        .selectFrom('support_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(messages);
    }, 10_000);
  };

  beforeAll(async () => {
    t = await createTestApp({
      clock,
      env: {
        SUPPORT_AGENTS: 'agent-*',
        SUPPORT_BOTS: 'faq-bot',
        SUPPORT_ROLE_METADATA_KEY: 'role',
        SUPPORT_SESSION_GAP: '24h',
        SUPPORT_TIMEZONE: 'Europe/Berlin',
        SUPPORT_BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
        SUPPORT_HOLIDAYS: '2026-11-26',
      },
    });
    // Conversation 1, Wednesday: the agents' messages arrive before the customer's they answer.
    await post(1, 'agent-ann', '2026-11-25T08:35:00Z');
    await post(1, 'agent-ann', '2026-11-25T08:52:00Z');
    await settled(2);
    await post(1, 'cust-1', '2026-11-25T08:41:00Z');
    await post(1, 'cust-1', '2026-11-25T08:30:00Z');
    await post(1, 'cust-1', '2026-11-25T08:40:00Z');
    // Conversation 2: a bot greets and answers twice, then an agent takes over.
    await post(2, 'faq-bot', '2026-11-25T10:00:00Z');
    await post(2, 'cust-2', '2026-11-25T10:01:00Z');
    await post(2, 'faq-bot', '2026-11-25T10:01:30Z');
    await post(2, 'cust-2', '2026-11-25T10:02:00Z');
    await post(2, 'faq-bot', '2026-11-25T10:03:00Z');
    await post(2, 'agent-bob', '2026-11-25T10:10:00Z');
    // Conversation 3: an agent writes first on Tuesday; two days later, on the holiday, the
    // customer's next question starts a new session.
    await post(3, 'agent-ann', '2026-11-24T15:00:00Z');
    await post(3, 'cust-3', '2026-11-24T15:30:00Z');
    await post(3, 'agent-ann', '2026-11-24T15:50:00Z');
    await post(3, 'cust-3', '2026-11-26T09:00:00Z');
    await post(3, 'agent-ann', '2026-11-27T08:10:00Z');
    // Conversation 4: nobody has answered yet (the clock stands at Friday 12:00 UTC).
    await post(4, 'cust-4', '2026-11-27T09:00:00Z', { metadata: { role: 'customer' } });
    await settled(sent.length);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const SUMMARY = {
    since: null,
    until: null,
    sessions: {
      started: 5,
      customerInitiated: 4,
      agentInitiated: 1,
      botInitiated: 0,
      answered: 4,
      unanswered: 1,
    },
    // 5 m, 9 m, 20 m and 23 h 10 m (Thursday's question answered Friday at 09:10 Berlin).
    firstResponse: {
      wall: figures(4, 870_000, 58_740_000, 21_360_000),
      // The holiday counts nothing: Friday's 10 minutes only.
      business: figures(4, 570_000, 1_020_000, 660_000),
    },
    // The bot answered conversation 2 in 30 s.
    firstResponseWithBots: {
      wall: figures(4, 750_000, 58_740_000, 21_232_500),
      business: figures(4, 450_000, 1_020_000, 532_500),
    },
    // From the bot's last message (10:03) to the agent (10:10).
    handoff: {
      wall: figures(1, 420_000, 420_000, 420_000),
      business: figures(1, 420_000, 420_000, 420_000),
    },
    // 5 m, 12 m (from 08:40, the first message after the agent's), 20 m, 23 h 10 m.
    reply: {
      wall: figures(4, 960_000, 58_740_000, 21_405_000),
      business: figures(4, 660_000, 1_056_000, 705_000),
    },
    messagesPerSession: { mean: 3.4, median: 3 },
  };

  it('sums sessions, first responses, hand-offs and reply times on both clocks', async () => {
    expect(await get('/api/support/summary')).toEqual(SUMMARY);
  });

  it('limits to the sessions that started in the range', async () => {
    const summary = await get<typeof SUMMARY>(
      '/api/support/summary?since=2026-11-26T00:00:00Z&until=2026-11-28T00:00:00Z',
    );
    expect(summary).toMatchObject({
      since: '2026-11-26T00:00:00.000Z',
      until: '2026-11-28T00:00:00.000Z',
      sessions: { started: 2, customerInitiated: 2, answered: 1, unanswered: 1 },
      firstResponse: { wall: figures(1, 83_400_000, 83_400_000, 83_400_000) },
      // Replies are counted when they were sent: Friday's only.
      reply: { business: figures(1, 600_000, 600_000, 600_000) },
    });
  });

  it('buckets the response times', async () => {
    const times = await get<Record<string, { wall: { buckets: { count: number }[] } }>>(
      '/api/support/response-times',
    );
    const counts = (name: string) => times[name].wall.buckets.map((bucket) => bucket.count);
    // Buckets 0-1m, 1-5m, 5-15m, 15-60m, 1-4h, 4-24h, 24h+.
    expect(counts('firstResponse')).toEqual([0, 0, 2, 1, 0, 1, 0]);
    expect(counts('firstResponseWithBots')).toEqual([1, 0, 1, 1, 0, 1, 0]);
    expect(counts('handoff')).toEqual([0, 0, 1, 0, 0, 0, 0]);
    expect(counts('reply')).toEqual([0, 0, 2, 1, 0, 1, 0]);
    expect(times.firstResponse.wall).toMatchObject(SUMMARY.firstResponse.wall);
    expect(times.reply.wall.buckets[2]).toEqual({ label: '5-15m', count: 2 });
  });

  it("maps customers' messages to weekday and hour in the zone asked for", async () => {
    type Heatmap = { tz: string; days: string[]; cells: number[][]; total: number };
    const cellsOf = (heatmap: Heatmap) =>
      heatmap.cells.flatMap((hours, day) =>
        hours.flatMap((count, hour) => (count ? [`${heatmap.days[day]} ${hour}: ${count}`] : [])),
      );
    const berlin = await get<Heatmap>('/api/support/heatmap');
    expect(berlin).toMatchObject({ tz: 'Europe/Berlin', total: 8 });
    expect(cellsOf(berlin)).toEqual([
      'tue 16: 1',
      'wed 9: 3',
      'wed 11: 2',
      'thu 10: 1',
      'fri 10: 1',
    ]);
    // Half an hour off UTC: 08:30-08:41 UTC is 14:00-14:11 in Kolkata.
    expect(cellsOf(await get<Heatmap>('/api/support/heatmap?tz=Asia/Kolkata'))).toEqual([
      'tue 21: 1',
      'wed 14: 3',
      'wed 15: 2',
      'thu 14: 1',
      'fri 14: 1',
    ]);
  });

  it('lists the longest waits, the open one measured to now, with links', async () => {
    const { items } = await get<{ items: Record<string, unknown>[] }>('/api/support/waits');
    expect(
      items.map((item) => [item.conversationKey, item.waitMs, item.businessWaitMs, item.answered]),
    ).toEqual([
      ['group:3', 83_400_000, 600_000, true],
      ['group:4', 3 * 60 * MIN, 3 * 60 * MIN, false],
      ['group:3', 20 * MIN, 20 * MIN, true],
      ['group:1', 12 * MIN, 12 * MIN, true],
      ['group:1', 5 * MIN, 5 * MIN, true],
    ]);
    expect(items[1]).toMatchObject({
      waitStartedAt: '2026-11-27T09:00:00.000Z',
      answeredAt: null,
      replyMessageKey: null,
      link: '/api/messages?conversation=group%3A4',
    });
    const linked = await get<{ items: { key: string }[] }>(items[1].link as string);
    expect(linked.items.map((item) => item.key)).toEqual([sent.at(-1)!.key]);
    expect((await get<{ items: unknown[] }>('/api/support/waits?limit=2')).items).toHaveLength(2);
  });

  it('previews how the latest senders are classified, and why', async () => {
    const { items } = await get<{ items: Record<string, unknown>[] }>('/api/support/roles/preview');
    expect(items.map((item) => [item.sender, item.role, item.reason])).toEqual([
      ['cust-4', 'customer', 'metadata role=customer'],
      ['agent-ann', 'agent', 'SUPPORT_AGENTS agent-*'],
      ['cust-3', 'customer', 'default (no setting names the sender)'],
      ['agent-bob', 'agent', 'SUPPORT_AGENTS agent-*'],
      ['faq-bot', 'bot', 'SUPPORT_BOTS faq-bot'],
      ['cust-2', 'customer', 'default (no setting names the sender)'],
      ['cust-1', 'customer', 'default (no setting names the sender)'],
    ]);
    expect(items[0]).toMatchObject({
      recordedRole: 'customer',
      lastMessageAt: '2026-11-27T09:00:00.000Z',
    });
  });

  it('observes each response time once in Prometheus', async () => {
    const text = (await t.admin('/metrics').expect(200)).text;
    expect(text).toContain('kommhook_support_first_response_seconds_count{clock="wall"} 4');
    expect(text).toContain('kommhook_support_reply_seconds_count{clock="business"} 4');
    expect(text).toContain('kommhook_support_reply_seconds_bucket{le="900",clock="wall"} 2');
  });

  it('changes nothing when every message is replayed', async () => {
    await Promise.all(
      sent.map((payload) =>
        t.adminPost(`/api/messages/${payload.key}/replay?listener=support.sessions`).expect(202),
      ),
    );
    await settled(sent.length);
    const done = await t.admin('/api/deliveries?status=done&listener=support.sessions&limit=500');
    expect((done.body as { items: unknown[] }).items).toHaveLength(sent.length);
    expect(await get('/api/support/summary')).toEqual(SUMMARY);
    const text = (await t.admin('/metrics').expect(200)).text;
    expect(text).toContain('kommhook_support_first_response_seconds_count{clock="wall"} 4');
    expect(text).toContain('kommhook_support_reply_seconds_count{clock="wall"} 4');
  });

  it.each([
    ['/api/support/summary?since=yesterday', 'since'],
    ['/api/support/response-times?since=2026-11-27T00:00:00Z&until=2026-11-26T00:00:00Z', 'until'],
    ['/api/support/heatmap?tz=Mars/Olympus', 'tz'],
    ['/api/support/heatmap?tz=a&tz=b', 'tz'],
    ['/api/support/waits?limit=0', 'limit'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const answer = await t.admin(path).expect(400);
    expect(answer.body).toMatchObject({ code: 'ADMIN.INVALID_QUERY', errors: [{ field }] });
  });
});

describe('support sessions, recomputed as late messages arrive', () => {
  let t: TestApp;
  let count = 0;

  const post = async (from: string, iso: string) => {
    const payload = message({ groupId: 77, clientGroupId: undefined, from, timeStamp: at(iso) });
    await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    count += 1;
    await eventually(async () => {
      const open = await t.admin('/api/deliveries?status=pending&listener=support.sessions');
      expect((open.body as { items: unknown[] }).items).toEqual([]);
      const done = await t.admin('/api/deliveries?status=done&listener=support.sessions');
      expect((done.body as { items: unknown[] }).items).toHaveLength(count);
    }, 10_000);
  };
  const sessions = async () =>
    (
      await t.db
        .selectFrom('support_sessions')
        .select(['started_at', 'messages', 'first_response_ms', 'waiting_since'])
        .orderBy('started_at')
        .execute()
    ).map((row) => [
      new Date(Number(row.started_at)).toISOString().slice(11, 16),
      Number(row.messages),
      row.first_response_ms === null ? null : Number(row.first_response_ms) / MIN,
      row.waiting_since !== null,
    ]);

  beforeAll(async () => {
    t = await createTestApp({
      env: { SUPPORT_AGENTS: 'agent-*', SUPPORT_SESSION_GAP: '30m' },
    });
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('merges the sessions that late messages bridge', async () => {
    await post('cust', '2026-11-25T10:00:00Z');
    await post('agent-a', '2026-11-25T10:50:00Z');
    await post('cust', '2026-11-25T11:30:00Z');
    // Each 40 minutes or more after the one before: three sessions.
    expect(await sessions()).toEqual([
      ['10:00', 1, null, true],
      ['10:50', 1, null, false],
      ['11:30', 1, null, true],
    ]);
    // A message from 10:25 arrives late: 10:00, 10:25, 10:50 are one session, answered in 50 minutes.
    await post('cust', '2026-11-25T10:25:00Z');
    expect(await sessions()).toEqual([
      ['10:00', 3, 50, false],
      ['11:30', 1, null, true],
    ]);
    // One from 11:10 joins that session to the 11:30 one.
    await post('agent-a', '2026-11-25T11:10:00Z');
    expect(await sessions()).toEqual([['10:00', 5, 50, true]]);
  });
});
