import { Logger } from '@nestjs/common';
import { AnalyticsWriter } from '../../src/analytics/analytics-writer';
import { dayBucket, hourBucket } from '../../src/analytics/analytics-store';
import type { ReceivedMessage } from '../../src/messages';
import type { Database } from '../../src/storage/database';
import { dump, openPostgresStore, starts, traffic } from './analytics-support';

const BATCHES = 500;
const BATCH_SIZE = 8;
/** Batches each instance has in flight: its group commit folds them into shared transactions. */
const LANES = 4;

/**
 * Two instances' shares of 7000 messages (a message a minute from 21:00
 * UTC, six UTC days): four in seven each, one in seven to both (a replay,
 * or a redelivery after a lease ran out), so 4000 apiece.
 */
function shares(all: readonly ReceivedMessage[]): [ReceivedMessage[], ReceivedMessage[]] {
  return [all.filter((_, i) => i % 7 <= 3), all.filter((_, i) => i % 7 >= 3)];
}

/**
 * Batch `b` of a share takes every BATCHES-th message from `b` on: eight
 * messages hours apart, so that batches in flight at once on the two
 * instances write the same hours, days and keys, in no common order.
 */
function batches(share: readonly ReceivedMessage[]): ReceivedMessage[][] {
  return Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: BATCH_SIZE }, (_, k) => share[b + k * BATCHES]),
  );
}

/** Writes a share as the listeners would: its messages, then the conversations they start. */
async function drive(
  writer: AnalyticsWriter,
  share: readonly ReceivedMessage[],
  firsts: ReadonlySet<string>,
): Promise<void> {
  const all = batches(share);
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (let b = lane; b < all.length; b += LANES) {
        await writer.recordMessages(all[b]);
        const started = all[b].filter((message) => firsts.has(message.key));
        if (started.length > 0) await writer.recordConversationsStarted(started);
      }
    }),
  );
}

/** Counts the deadlocks the store reports to the group commit (which tries their batches again). */
function deadlocksOf(db: Database): () => number {
  const isBusy = jest.spyOn(db.dialect, 'isBusy');
  return () =>
    new Set(
      isBusy.mock.calls
        .map(([error]) => error)
        .filter((error) => (error as { code?: unknown } | null)?.code === '40P01'),
    ).size;
}

/** Per period: messages, distinct conversations and distinct senders, counted from the messages. */
function bruteForce(messages: readonly ReceivedMessage[], periodOf: (at: Date) => number) {
  const periods = new Map<
    number,
    { messages: number; conversations: Set<string>; senders: Set<string> }
  >();
  for (const message of messages) {
    const start = periodOf(message.receivedAt);
    let period = periods.get(start);
    if (!period) {
      period = { messages: 0, conversations: new Set(), senders: new Set() };
      periods.set(start, period);
    }
    period.messages += 1;
    if (message.conversationKey !== null) period.conversations.add(message.conversationKey);
    period.senders.add(message.from);
  }
  return [...periods]
    .sort(([a], [b]) => a - b)
    .map(([start, period]) => ({
      start,
      messages: period.messages,
      active_conversations: period.conversations.size,
      senders: period.senders.size,
    }));
}

describe('analytics written by two instances at once (PostgreSQL)', () => {
  const opened: Database[] = [];

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterAll(async () => {
    for (const db of opened.splice(0)) await db.destroy();
  });

  it('adds up exactly when both upsert the same hours, days and keys', async () => {
    const all = traffic(7000);
    const [mine, theirs] = shares(all);
    expect(mine).toHaveLength(BATCHES * BATCH_SIZE);
    expect(theirs).toHaveLength(BATCHES * BATCH_SIZE);
    // Two instances on one schema, each with its own pool.
    const one = await openPostgresStore('analytics-concurrent');
    opened.push(one);
    const two = await openPostgresStore('analytics-concurrent');
    opened.push(two);
    const deadlocks = [deadlocksOf(one), deadlocksOf(two)];

    // The webhook tells of a conversation's first message (of all of them) as its start.
    const firsts = new Set(starts(all).map((message) => message.key));
    const started = Date.now();
    await Promise.all([
      drive(new AnalyticsWriter(one), mine, firsts),
      drive(new AnalyticsWriter(two), theirs, firsts),
    ]);
    const commits = one.writeStats.commits + two.writeStats.commits;
    const deadlocked = deadlocks[0]() + deadlocks[1]();
    process.stdout.write(
      `two instances, ${BATCHES} batches of ${BATCH_SIZE} each: ${Date.now() - started} ms, ` +
        `${commits} transactions, ${deadlocked} deadlocks\n`,
    );
    // They took turns (AnalyticsWriter's advisory lock): no transaction waited a second to be told to start over.
    expect(deadlocked).toBe(0);

    // The same messages, written by one instance alone, one after another.
    const alone = await openPostgresStore('analytics-alone');
    opened.push(alone);
    const writer = new AnalyticsWriter(alone);
    for (let at = 0; at < all.length; at += 500) {
      await writer.recordMessages(all.slice(at, at + 500));
    }
    await writer.recordConversationsStarted(starts(all));

    const tables = await dump(one);
    expect(tables).toEqual(await dump(alone));
    // And what that is, counted from the messages themselves.
    const totals = (rows: Record<string, unknown>[], start: string) =>
      rows.map((row) => ({
        start: row[start],
        messages: row.messages,
        active_conversations: row.active_conversations,
        senders: row.senders,
      }));
    expect(totals(tables.analytics_hourly, 'bucket_start')).toEqual(bruteForce(all, hourBucket));
    expect(totals(tables.analytics_daily, 'day_start')).toEqual(bruteForce(all, dayBucket));
    expect(tables.analytics_counted).toHaveLength(all.length + starts(all).length);
    const conversationsStarted = tables.analytics_daily.reduce(
      (sum, row) => sum + Number(row.conversations_started),
      0,
    );
    expect(conversationsStarted).toBe(starts(all).length);
    const byKey = (rows: Record<string, unknown>[], key: string) =>
      Object.fromEntries(rows.map((row) => [String(row[key]), Number(row.messages)]));
    const expected = (keyOf: (message: ReceivedMessage) => string | null) => {
      const counts: Record<string, number> = {};
      for (const message of all) {
        const key = keyOf(message);
        if (key !== null) counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };
    expect(byKey(tables.analytics_sender_totals, 'sender')).toEqual(expected((m) => m.from));
    expect(byKey(tables.analytics_conversation_totals, 'conversation_key')).toEqual(
      expected((m) => m.conversationKey),
    );
  }, 180_000);
});
