import type { AnalyticsTotals } from '../src/analytics/analytics-store';
import { delayBucket, delayPercentiles } from '../src/analytics/delay-histogram';
import {
  createTestApp,
  eventually,
  FixedClock,
  message,
  removeDataDir,
  TestApp,
  TestMessage,
} from './support/test-app';

type Point = AnalyticsTotals & { start: string };

const HOUR = 3_600_000;
const DAY = 86_400_000;
const FIRST_DAY = Date.parse('2026-05-10T00:00:00Z');
/** The UTC hours at which days start for the offsets below: -12, -5, 0, +2, +9, +14. */
const OFFSETS = [-12, -5, 0, 2, 9, 14];
const BOUNDARIES = OFFSETS.map((offset) => (((-offset % 24) + 24) % 24) * HOUR);

interface Sent {
  readonly payload: TestMessage;
  readonly at: number;
  readonly conversation: string;
  readonly delayMs: number;
  readonly bytes: number | null;
}

/**
 * Three UTC days of messages placed half a minute either side of every hour
 * at which one of the offsets starts its days, over a few conversations and
 * senders, so that keys are seen on both sides of those boundaries.
 */
function plan(): {
  at: number;
  groupId: number;
  from: string;
  delayMs: number;
  bytes: number | null;
  offline: boolean;
}[] {
  const planned = [];
  let n = 0;
  for (let day = 0; day < 3; day += 1) {
    for (const boundary of BOUNDARIES) {
      for (const side of [-30_000, 30_000]) {
        n += 1;
        planned.push({
          at: FIRST_DAY + day * DAY + boundary + side,
          groupId: 700 + ((n * 5) % 4),
          from: ['ana', 'ben', 'agent-1'][(n * 7) % 3],
          delayMs: [80, 700, 3_000, 40_000][n % 4],
          bytes: n % 3 === 0 ? 100 * n : null,
          offline: n % 4 === 1,
        });
      }
    }
  }
  return planned.sort((a, b) => a.at - b.at);
}

/** What a day starting at `start` holds, counted from the messages sent. */
function bruteForce(
  sent: readonly Sent[],
  start: number,
  firstOf: Set<string>,
): Omit<Point, 'start'> {
  const inDay = sent.filter((s) => s.at >= start && s.at < start + DAY);
  const delays = new Map<number, number>();
  for (const s of inDay) {
    const bound = delayBucket(s.delayMs);
    if (bound !== null) delays.set(bound, (delays.get(bound) ?? 0) + 1);
  }
  const messages = inDay.length;
  const offline = inDay.filter((s) => s.payload.receiverConnected === false).length;
  return {
    messages,
    attachments: inDay.filter((s) => s.bytes !== null).length,
    attachmentBytes: inDay.reduce((sum, s) => sum + (s.bytes ?? 0), 0),
    offlineMessages: offline,
    conversationsStarted: inDay.filter((s) => firstOf.has(s.payload.key)).length,
    offlineShare: messages === 0 ? 0 : offline / messages,
    activeConversations: new Set(inDay.map((s) => s.conversation)).size,
    senders: new Set(inDay.map((s) => s.payload.from)).size,
    webhookDelayMs: delayPercentiles(delays),
  };
}

describe('analytics days at whole-hour offsets, against a count of the messages sent', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date(FIRST_DAY));
  const sent: Sent[] = [];
  const firstOf = new Set<string>();

  const days = async (offset: number): Promise<Point[]> => {
    const tz = `${offset < 0 ? '-' : '+'}${String(Math.abs(offset)).padStart(2, '0')}:00`;
    const range = `since=2026-05-09T00:00:00Z&until=2026-05-14T00:00:00Z`;
    const answer = await t
      .admin(`/api/analytics/timeseries?bucket=day&tz=${encodeURIComponent(tz)}&${range}`)
      .expect(200);
    return (answer.body as { points: Point[] }).points;
  };

  const everyOffset = async () => {
    for (const offset of OFFSETS) {
      const points = await days(offset);
      // Local midnights from the one at or before the range's start on.
      const first = Math.floor((Date.parse('2026-05-09T00:00:00Z') + offset * HOUR) / DAY) * DAY;
      expect(points.map((point) => point.start)).toEqual(
        points.map((_, i) => new Date(first - offset * HOUR + i * DAY).toISOString()),
      );
      for (const point of points) {
        expect({ offset, ...point }).toEqual({
          offset,
          start: point.start,
          ...bruteForce(sent, Date.parse(point.start), firstOf),
        });
      }
    }
  };

  const analyticsSettled = async (count: number) => {
    await eventually(async () => {
      const summary = await t.admin('/api/analytics/summary').expect(200);
      expect(summary.body).toMatchObject({ messages: count });
      for (const status of ['pending', 'running']) {
        const open = await t.admin(`/api/deliveries?status=${status}`).expect(200);
        expect((open.body as { items: unknown[] }).items).toEqual([]);
      }
    }, 10_000);
  };

  beforeAll(async () => {
    t = await createTestApp({ clock });
    for (const step of plan()) {
      clock.at = new Date(step.at);
      const payload = message({
        groupId: step.groupId,
        from: step.from,
        receiverConnected: !step.offline,
        timeStamp: step.at - step.delayMs,
        ...(step.bytes === null
          ? {}
          : { file: { url: 'https://files.test/f', contentType: 'image/png', size: step.bytes } }),
      });
      await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
      const conversation = `group:${step.groupId}`;
      if (!sent.some((s) => s.conversation === conversation)) firstOf.add(payload.key);
      sent.push({ payload, at: step.at, conversation, delayMs: step.delayMs, bytes: step.bytes });
    }
    await analyticsSettled(sent.length);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('counts every day at -12, -5, 0, +2, +9 and +14 hours as the messages sent say', async () => {
    expect(sent).toHaveLength(36);
    await everyOffset();
  });

  it('counts the same summary and top lists as the messages sent, for ranges cut at any hour', async () => {
    for (const [since, until] of [
      [FIRST_DAY, FIRST_DAY + 3 * DAY],
      [FIRST_DAY + 5 * HOUR, FIRST_DAY + DAY + 22 * HOUR],
      [FIRST_DAY + 12 * HOUR, FIRST_DAY + 15 * HOUR],
      [FIRST_DAY + DAY + 9 * HOUR, FIRST_DAY + 2 * DAY + 10 * HOUR],
    ]) {
      const inRange = sent.filter((s) => s.at >= since && s.at < until);
      const top = (keyOf: (s: Sent) => string) =>
        [
          ...inRange.reduce(
            (counts, s) => counts.set(keyOf(s), (counts.get(keyOf(s)) ?? 0) + 1),
            new Map<string, number>(),
          ),
        ]
          .map(([key, messages]) => ({ key, messages }))
          .sort((a, b) => b.messages - a.messages || (a.key < b.key ? -1 : 1));
      const range = `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;
      const summary = await t.admin(`/api/analytics/summary?${range}`).expect(200);
      expect(summary.body).toMatchObject({
        messages: inRange.length,
        activeConversations: new Set(inRange.map((s) => s.conversation)).size,
        senders: new Set(inRange.map((s) => s.payload.from)).size,
        topConversations: top((s) => s.conversation).map(({ key, messages }) => ({
          conversationKey: key,
          messages,
        })),
        topSenders: top((s) => s.payload.from).map(({ key, messages }) => ({
          sender: key,
          messages,
        })),
      });
    }
  });

  it('counts nothing twice when every message is replayed at once', async () => {
    await Promise.all(
      sent.map(({ payload }) => t.adminPost(`/api/messages/${payload.key}/replay`).expect(202)),
    );
    await analyticsSettled(sent.length);
    const done = await t.admin('/api/deliveries?status=done&listener=analytics.messages&limit=500');
    expect((done.body as { items: unknown[] }).items).toHaveLength(sent.length);
    await everyOffset();
  });
});
