import type { AddressInfo } from 'node:net';
import type { MessageView } from '../src/admin/views/message.view';
import { parseCli, UsageError } from '../scripts/simulate/cli';
import { formatDuration } from '../scripts/simulate/report';
import { runSimulation, trafficFor } from '../scripts/simulate/runner';
import {
  expectedSupportMetrics,
  percentile,
  SupportPayload,
  TimeFigures,
} from '../scripts/support-oracle';
import { generateTraffic, Random, SHARES, TrafficItem } from '../scripts/traffic';
import { spawnNode } from './support/child-process';
import { conversationKeyOf } from './support/expected-totals';
import {
  createTestApp,
  eventually,
  removeDataDir,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/test-app';

const T0 = 1_700_000_000_000;
const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small support exchange whose figures are worked out by hand below. */
function handBuilt(): SupportPayload[] {
  const at = (key: string, from: string, groupId: number | string, ms: number): SupportPayload => ({
    key,
    from,
    groupId,
    clientGroupId: key.startsWith('c') ? 'conv-c' : String(groupId),
    timeStamp: T0 + ms,
  });
  return [
    // A: the bot answers first (33 s), hands off at 40 s, the agent at 160 s; the last question is open.
    at('a1', 'visitor-a', 1, 0),
    at('a2', 'visitor-a', 1, 30 * SECOND),
    at('a3', 'bot-1', 1, 33 * SECOND),
    at('a4', 'bot-1', 1, 40 * SECOND),
    at('a5', 'agent-1', 1, 160 * SECOND),
    at('a6', 'visitor-a', 1, 200 * SECOND),
    at('a7', 'agent-1', 1, 260 * SECOND),
    at('a8', 'visitor-a', 1, 400 * SECOND),
    // B: agent-initiated; then, exactly 24 h after its last message, a session nobody answers.
    at('b1', 'agent-2', 2, 1_000 * SECOND),
    at('b2', 'visitor-b', 2, 1_100 * SECOND),
    at('b3', 'agent-2', 2, 1_400 * SECOND),
    at('b4', 'visitor-b', 2, 1_400 * SECOND + DAY),
    at('b5', 'visitor-b', 2, 1_410 * SECOND + DAY),
    // C: keyed by its client group id (no numeric group id).
    at('c1', 'visitor-c', 'not-a-number', 0),
    at('c2', 'agent-1', 'not-a-number', 45 * SECOND),
    // D: the group id once as a string, once as a number: one conversation.
    at('d1', 'visitor-d', '4', 0),
    at('d2', 'agent-3', 4, 90 * SECOND),
  ];
}

const figures = (
  medianMs: number,
  p90Ms: number,
  meanMs: number,
  buckets: number[],
): TimeFigures => ({
  count: buckets.reduce((sum, count) => sum + count, 0),
  medianMs,
  p90Ms,
  meanMs,
  buckets: ['0-1m', '1-5m', '5-15m', '15-60m', '1-4h', '4-24h', '24h+'].map((label, i) => ({
    label,
    count: buckets[i] ?? 0,
  })),
});

describe('support oracle', () => {
  it('computes the figures worked out by hand', () => {
    expect(expectedSupportMetrics(handBuilt())).toEqual({
      messages: 17,
      conversations: 4,
      sessions: 5,
      conversationsStarted: { total: 5, customer: 4, agent: 1, bot: 0 },
      // A 160 s, B 300 s (after b2, though the agent started it), C 45 s, D 90 s.
      // Median of 45, 90, 160, 300: (90 + 160) / 2; P90 at rank 2.7: 160 + 0.7 × 140.
      // 300 s is exactly 5 minutes: the 5-15m bucket.
      firstResponse: figures(125_000, 258_000, 148_750, [1, 2, 1]),
      // A's bot at 33 s: 33, 45, 90, 300.
      firstResponseWithBots: figures(67_500, 237_000, 117_000, [2, 1, 1]),
      // A: the agent at 160 s minus the bot's last message at 40 s.
      handoff: figures(120_000, 120_000, 120_000, [0, 1]),
      // A 60 s (a6 → a7; a5 ends no wait: the bot ended it), B 300 s, C 45 s, D 90 s.
      // 60 s is exactly a minute: the 1-5m bucket.
      replyTime: figures(75_000, 237_000, 123_750, [1, 2, 1]),
      unansweredSessions: 1, // B's second session
      waitingSessions: 2, // A's last question, B's second session
    });
  });

  it('splits sessions at the gap, the gap itself included', () => {
    const oneDayAndMore = expectedSupportMetrics(handBuilt(), { sessionGapMs: DAY + 1 });
    expect(oneDayAndMore).toMatchObject({
      sessions: 4,
      conversationsStarted: { total: 4, customer: 3, agent: 1, bot: 0 },
      unansweredSessions: 0,
      waitingSessions: 2,
    });
    expect(oneDayAndMore.firstResponse.medianMs).toBe(125_000);

    // A 100 s gap splits A before a5 (120 s after the bot) and so on.
    const short = expectedSupportMetrics(handBuilt(), { sessionGapMs: 100 * SECOND });
    expect(short.sessions).toBe(9);
    expect(short.handoff.count).toBe(0);
  });

  it('orders by timeStamp and counts each key once, whatever the arrival order and copies', () => {
    const payloads = handBuilt();
    const expected = expectedSupportMetrics(payloads);
    const random = new Random('shuffle');
    for (let round = 0; round < 20; round += 1) {
      const shuffled = [...payloads, ...payloads.filter(() => random.chance(0.3))];
      for (let i = shuffled.length - 1; i > 0; i -= 1) {
        const j = random.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      expect(expectedSupportMetrics(shuffled)).toEqual(expected);
    }
    // Traffic items hold their payload: the same figures.
    expect(expectedSupportMetrics(payloads.map((payload) => ({ payload })))).toEqual(expected);
  });

  it('takes the roles from roleOf when given', () => {
    // Nobody is an agent: every session with a customer is unanswered.
    const metrics = expectedSupportMetrics(handBuilt(), {
      roleOf: (from) => (from.startsWith('bot-') ? 'bot' : 'customer'),
    });
    expect(metrics).toMatchObject({
      unansweredSessions: 5,
      firstResponse: { count: 0, medianMs: null, p90Ms: null, meanMs: null },
      replyTime: { count: 0 },
      firstResponseWithBots: { count: 1, medianMs: 33_000 },
    });
  });

  it('interpolates percentiles linearly between the closest ranks (numpy default)', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('support traffic generator', () => {
  const options = {
    messages: 6000,
    conversations: 250,
    seed: 11,
    startTime: T0,
    agents: 3,
    bots: 2,
  };

  it('leaves the default traffic as it was', () => {
    const plain = { messages: 500, conversations: 30, seed: 4, startTime: T0, spreadMs: 10_000 };
    expect(generateTraffic({ ...plain, agents: 0, bots: 0 })).toEqual(generateTraffic(plain));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateTraffic(options);
    expect(generateTraffic(options)).toEqual(a);
    expect(generateTraffic({ ...options, seed: 12 })).not.toEqual(a);
  });

  it('has the cast, the counts and the simulated times', () => {
    const items = generateTraffic(options);
    const originals = items.filter((item) => !item.redelivery);
    expect(items).toHaveLength(6000);
    expect(items.length - originals.length).toBe(Math.round(6000 * SHARES.redelivery));
    expect(new Set(items.map((item) => item.payload.key)).size).toBe(originals.length);
    expect(new Set(items.map((item) => conversationKeyOf(item.payload))).size).toBe(250);

    const senders = new Set(items.map((item) => item.payload.from));
    expect(
      [...senders].filter((from) => !/^(agent-[1-3]|bot-[12]|visitor-\d+)$/.test(from)),
    ).toEqual([]);
    for (const id of ['agent-1', 'agent-2', 'agent-3', 'bot-1', 'bot-2']) {
      expect(senders).toContain(id);
    }
    expect(items.filter((item) => item.kind === 'system')).toEqual([]);
    expect(items.filter((item) => item.kind === 'attachment').length).toBeGreaterThan(0);

    // In the past, mostly within the 7 days before the start; never two at one instant in a conversation.
    const stamps = originals.map((item) => item.payload.timeStamp);
    expect(Math.max(...stamps)).toBeLessThanOrEqual(T0 - 60_000);
    expect(stamps.filter((at) => at >= T0 - 7 * DAY).length / stamps.length).toBeGreaterThan(0.9);
    const byConversation = new Map<string, Set<number>>();
    for (const { payload } of originals) {
      const conversation = conversationKeyOf(payload);
      const seen = byConversation.get(conversation) ?? new Set<number>();
      expect(seen.has(payload.timeStamp)).toBe(false);
      byConversation.set(conversation, seen.add(payload.timeStamp));
    }

    // Sent in arrival order: now and then a message arrives before an earlier one of its conversation.
    const latest = new Map<string, number>();
    let outOfOrder = 0;
    for (const { payload } of originals) {
      const conversation = conversationKeyOf(payload);
      if (payload.timeStamp < (latest.get(conversation) ?? -Infinity)) outOfOrder += 1;
      latest.set(conversation, Math.max(payload.timeStamp, latest.get(conversation) ?? -Infinity));
    }
    expect(outOfOrder).toBeGreaterThan(0);
    expect(outOfOrder / originals.length).toBeLessThan(0.05);
  });

  it('answers with realistic delays: minutes mostly, a tail into hours, bots within seconds', () => {
    const metrics = expectedSupportMetrics(generateTraffic(options));
    const bucket = (figures: TimeFigures, label: string): number =>
      figures.buckets.find((entry) => entry.label === label)?.count ?? 0;

    expect(metrics.sessions).toBeGreaterThan(250); // some customers come back days later
    expect(metrics.conversationsStarted.agent).toBeGreaterThan(0);
    expect(metrics.conversationsStarted.customer).toBeGreaterThan(
      5 * metrics.conversationsStarted.agent,
    );
    expect(metrics.unansweredSessions).toBeGreaterThan(0);
    expect(metrics.unansweredSessions / metrics.sessions).toBeLessThan(0.3);

    const { firstResponse, replyTime, firstResponseWithBots, handoff } = metrics;
    expect(firstResponse.medianMs).toBeGreaterThan(60_000);
    expect(firstResponse.medianMs).toBeLessThan(6 * 60_000);
    expect(firstResponse.p90Ms).toBeLessThan(HOUR);
    expect(bucket(firstResponse, '1-5m')).toBeGreaterThan(firstResponse.count / 3);
    expect(replyTime.medianMs).toBeGreaterThan(30_000);
    expect(replyTime.medianMs).toBeLessThan(5 * 60_000);
    expect(bucket(replyTime, '1-4h') + bucket(replyTime, '4-24h')).toBeGreaterThan(0);
    // Nothing waits a day: that would be a new session.
    expect(bucket(replyTime, '24h+') + bucket(firstResponse, '24h+')).toBe(0);

    expect(firstResponseWithBots.medianMs).toBeLessThan(firstResponse.medianMs as number);
    expect(handoff.count).toBeGreaterThan(0);
    expect(bucket(firstResponseWithBots, '0-1m')).toBeGreaterThan(handoff.count / 2);
  });

  it('goes as far back as asked', () => {
    const ages = (historyMs: number): number[] =>
      generateTraffic({ ...options, messages: 1000, conversations: 100, historyMs })
        .map((item) => T0 - item.payload.timeStamp)
        .sort((a, b) => a - b);
    const oneDay = ages(DAY);
    expect(percentile(oneDay, 0.5)).toBeLessThan(DAY);
    expect(percentile(ages(7 * DAY), 0.5)).toBeGreaterThan(DAY);
  });

  it('expects the same figures whatever the start time and history (only placement changes)', () => {
    const small = { ...options, messages: 800, conversations: 40 };
    const expected = expectedSupportMetrics(generateTraffic(small));
    expect(
      expectedSupportMetrics(
        generateTraffic({ ...small, startTime: T0 + 5 * HOUR + 17, historyMs: 2 * DAY }),
      ),
    ).toEqual(expected);
  });

  it('gives the same figures in arrival order as in any other', () => {
    const items = generateTraffic({ ...options, messages: 1500, conversations: 60 });
    const reversed = [...items].reverse();
    expect(expectedSupportMetrics(reversed)).toEqual(expectedSupportMetrics(items));
  });
});

describe('simulator command line in support mode', () => {
  const token = ['--token', 'some-token-0123456789'];

  it('reads --agents, --bots, --days and --session-gap', () => {
    expect(
      parseCli(['--agents', '3', '--bots', '1', '--days', '2', '--session-gap', '30m', ...token]),
    ).toMatchObject({ agents: 3, bots: 1, historyMs: 2 * DAY, sessionGapMs: 30 * 60_000 });
    expect(parseCli(['--bots', '1', ...token])).toMatchObject({
      agents: 0,
      bots: 1,
      historyMs: 7 * DAY,
      sessionGapMs: DAY,
    });
    // Without them, the options are what they always were.
    expect(parseCli([...token])).not.toHaveProperty('agents');
  });

  it.each([
    [['--days', '2'], /need support mode/],
    [['--session-gap', '24h'], /need support mode/],
    [['--agents', '2', '--session-gap', '24'], /--session-gap must be a duration/],
    [['--agents', '2', '--session-gap', '0h'], /--session-gap must be a duration/],
    [['--agents', 'two'], /--agents must be a whole number/],
    [['--agents', '1', '--days', '0'], /--days must be between 1 and 365/],
  ])('rejects %j', (args, message) => {
    expect(() => parseCli([...args, ...token])).toThrow(UsageError);
    expect(() => parseCli([...args, ...token])).toThrow(message);
  });
});

describe('support simulation against the app', () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.http.address() as AddressInfo;
    url = `http://127.0.0.1:${port}/message/forward`;
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('sends the simulated times unchanged and reports the expected figures', async () => {
    const options = {
      url,
      token: WEBHOOK_TOKEN,
      messages: 200,
      conversations: 12,
      rate: 0,
      concurrency: 8,
      seed: 'support-e2e',
      startTime: Date.now(),
      agents: 2,
      bots: 1,
    };
    const summary = await runSimulation(options);
    const items: TrafficItem[] = trafficFor(options);
    expect(summary).toMatchObject({ sent: 200, failed: 0, unexpectedDuplicates: 0 });
    expect(summary.support).toEqual({
      agents: 2,
      bots: 1,
      historyMs: 7 * DAY,
      sessionGapMs: DAY,
      expected: expectedSupportMetrics(items),
    });

    const { body } = await t.admin('/api/messages?limit=500').expect(200);
    const stored = new Map(
      (body as { items: MessageView[] }).items.map((m) => [m.key, m.timeStamp] as const),
    );
    const planned = items.filter((item) => !item.redelivery);
    expect(stored.size).toBe(planned.length);
    for (const { payload } of planned) expect(stored.get(payload.key)).toBe(payload.timeStamp);
  }, 60_000);

  it('prints the expected medians from the command line', async () => {
    const args = [
      '--messages',
      '60',
      '--conversations',
      '5',
      '--rate',
      '0',
      '--seed',
      'cli-support',
    ];
    const child = spawnNode(
      'scripts/simulate.ts',
      [...args, '--url', url, '--token', WEBHOOK_TOKEN, '--agents', '2', '--bots', '1', '--quiet'],
      {},
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    // The CLI plans from its own start time; the figures depend only on the seed and the gaps.
    const expected = expectedSupportMetrics(
      trafficFor({
        messages: 60,
        conversations: 5,
        rate: 0,
        seed: 'cli-support',
        agents: 2,
        bots: 1,
        startTime: Date.now(),
      }),
    );
    expect(stdout).toContain('support: 2 agents, 1 bot');
    expect(stdout).toMatch(
      new RegExp(
        `first response\\s+median ${escape(formatDuration(expected.firstResponse.medianMs))}\\s`,
      ),
    );
    expect(stdout).toMatch(
      new RegExp(`reply time\\s+median ${escape(formatDuration(expected.replyTime.medianMs))}\\s`),
    );
    expect(stdout).toMatch(/OK: every request got its expected answer/);
  }, 60_000);
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe("the support API against the generator's expected figures", () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { SUPPORT_AGENTS: 'agent-*', SUPPORT_BOTS: 'bot-*' } });
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.http.address() as AddressInfo;
    url = `http://127.0.0.1:${port}/message/forward`;
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('measures the medians, P90s and counts the simulated conversations were built with', async () => {
    const options = {
      url,
      token: WEBHOOK_TOKEN,
      messages: 600,
      conversations: 30,
      rate: 0,
      concurrency: 8,
      seed: 'support-api',
      startTime: Date.now(),
      agents: 3,
      bots: 1,
    };
    const summary = await runSimulation(options);
    expect(summary).toMatchObject({ sent: 600, failed: 0 });
    const expected = expectedSupportMetrics(trafficFor(options));
    const distinct = new Set(trafficFor(options).map((item) => item.payload.key)).size;
    await eventually(async () => {
      const open = await t.admin('/api/deliveries?status=pending&listener=support.sessions');
      expect((open.body as { items: unknown[] }).items).toEqual([]);
      const stored = await t.db
        .selectFrom('support_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(distinct);
    }, 20_000);

    const { body } = await t.admin('/api/support/summary').expect(200);
    const measured = body as {
      sessions: {
        started: number;
        customerInitiated: number;
        agentInitiated: number;
        unanswered: number;
      };
      firstResponse: { wall: { count: number; medianMs: number; p90Ms: number } };
      firstResponseWithBots: { wall: { medianMs: number } };
      handoff: { wall: { medianMs: number } };
      reply: { wall: { count: number; medianMs: number; p90Ms: number } };
    };
    const figures = {
      sessions: measured.sessions.started,
      customerInitiated: measured.sessions.customerInitiated,
      agentInitiated: measured.sessions.agentInitiated,
      firstResponse: [
        measured.firstResponse.wall.count,
        measured.firstResponse.wall.medianMs,
        measured.firstResponse.wall.p90Ms,
      ],
      withBots: measured.firstResponseWithBots.wall.medianMs,
      handoff: measured.handoff.wall.medianMs,
      reply: [measured.reply.wall.count, measured.reply.wall.medianMs, measured.reply.wall.p90Ms],
    };
    expect(figures).toEqual({
      sessions: expected.sessions,
      customerInitiated: expected.conversationsStarted.customer,
      agentInitiated: expected.conversationsStarted.agent,
      firstResponse: [
        expected.firstResponse.count,
        expected.firstResponse.medianMs,
        expected.firstResponse.p90Ms,
      ],
      withBots: expected.firstResponseWithBots.medianMs,
      handoff: expected.handoff.medianMs,
      reply: [expected.replyTime.count, expected.replyTime.medianMs, expected.replyTime.p90Ms],
    });
    process.stdout.write(`\nsupport figures, expected = measured: ${JSON.stringify(figures)}\n`);
  }, 90_000);
});
