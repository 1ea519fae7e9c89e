import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, QueryExecutorProvider, sql, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, migrationsOf } from '../storage/database';
import { ANALYTICS_MIGRATIONS } from './analytics.migrations';
import { openSqlite } from '../storage/sqlite/open-sqlite';
import type { ReceivedMessage } from '../messages';
import { dayBucket, hourBucket } from './analytics-store';
import { delayBucket } from './delay-histogram';
import { SqlAnalyticsStore } from './sql-analytics-store';

/** 21:00 UTC: the traffic runs across a UTC midnight. */
const START = Date.parse('2026-03-01T21:00:00Z');
const CONTENT_TYPES = ['image/png', 'application/pdf', null];

/** Deterministic traffic, a message every 6 minutes: 12 conversations, 8 senders, files, offline receivers, delays. */
function traffic(count: number, first = 0): ReceivedMessage[] {
  return Array.from({ length: count }, (_, n) => {
    const i = first + n;
    const receivedAt = new Date(START + i * 6 * 60_000 + (i % 7) * 1000);
    const groupId = 100 + ((i * 7) % 12);
    return {
      key: `5-spec-${i}`,
      from: i % 3 === 0 ? `agent-${i % 2}` : `visitor-${groupId % 6}`,
      to: null,
      text: `message ${i}`,
      // Delays from 10 ms to over a day (not measured).
      timeStamp: receivedAt.getTime() - [10, 400, 2_000, 45_000, 7_200_000, 90_000_000][i % 6],
      receivedAt,
      conversationKey: i % 10 === 9 ? null : `group:${groupId}`,
      groupId,
      clientGroupId: String(groupId),
      groupName: 'Conversation',
      conversationId: null,
      receiverConnected: i % 4 === 0 ? false : i % 4 === 1 ? null : true,
      receiverLastSeenAtTime: null,
      file:
        i % 5 === 0
          ? {
              name: null,
              url: `https://files.test/${i}`,
              contentType: CONTENT_TYPES[i % 3],
              size: i % 2 === 0 ? 1000 + i : null,
              thumbnailUrl: null,
            }
          : null,
      metadata: {},
    };
  });
}

/** The first message of each conversation, as the webhook would tell it. */
function starts(messages: readonly ReceivedMessage[]): ReceivedMessage[] {
  const first = new Map<string, ReceivedMessage>();
  for (const message of messages) {
    if (message.conversationKey !== null && !first.has(message.conversationKey)) {
      first.set(message.conversationKey, message);
    }
  }
  return [...first.values()];
}

const TABLES: Record<string, string> = {
  analytics_hourly: 'bucket_start',
  analytics_daily: 'day_start',
  analytics_hourly_conversations: 'bucket_start, conversation_key',
  analytics_daily_conversations: 'day_start, conversation_key',
  analytics_conversation_totals: 'conversation_key',
  analytics_hourly_senders: 'bucket_start, sender',
  analytics_daily_senders: 'day_start, sender',
  analytics_sender_totals: 'sender',
  analytics_hourly_content_types: 'bucket_start, content_type',
  analytics_daily_content_types: 'day_start, content_type',
  analytics_counted: 'kind, message_key',
};

/** Every aggregate table, row by row. */
async function dump(db: QueryExecutorProvider): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    tables[table] = (await sql.raw(`select * from ${table} order by ${order}`).execute(db)).rows;
  }
  return tables;
}

async function counted(db: QueryExecutorProvider, table: string, column: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select coalesce(sum(${sql.ref(column)}), 0) as n
    from ${sql.table(table)}`.execute(db);
  return Number(rows[0].n);
}

describe('SqlAnalyticsStore on a real SQLite file', () => {
  let dir: string;
  const opened: Database[] = [];

  const open = async (name: string) => {
    const db = await openSqlite(join(dir, `${name}.sqlite`), {
      busyTimeoutMs: 1000,
      migrations: [ANALYTICS_MIGRATIONS],
    });
    opened.push(db);
    return { db, store: new SqlAnalyticsStore(db) };
  };

  // Migrations log each step; a unit run needs none of it.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-analytics-'));
  });

  afterEach(async () => {
    for (const db of opened.splice(0)) await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes for a batch exactly what it writes for its messages one at a time', async () => {
    const messages = traffic(300);
    const batched = await open('batched');
    await batched.store.recordMessages(messages);
    await batched.store.recordConversationsStarted(starts(messages));
    const single = await open('single');
    for (const message of messages) await single.store.recordMessages([message]);
    for (const message of starts(messages)) {
      await single.store.recordConversationsStarted([message]);
    }

    const tables = await dump(batched.db);
    expect(await dump(single.db)).toEqual(tables);
    expect(await counted(batched.db, 'analytics_hourly', 'messages')).toBe(300);
    expect(await counted(batched.db, 'analytics_daily', 'messages')).toBe(300);
    expect(await counted(batched.db, 'analytics_daily', 'conversations_started')).toBe(12);
    // 30 hours from 21:00 touch three UTC days; keys are seen on several.
    expect(tables.analytics_daily).toHaveLength(3);
    expect(tables.analytics_conversation_totals).toHaveLength(12);
  });

  it('counts nothing twice when a batch is handed in again, whole or in part (a retry, a replay)', async () => {
    const messages = traffic(200);
    const { db, store } = await open('replayed');
    await store.recordMessages(messages.slice(0, 120));
    // Overlapping the first: only the 80 new ones count.
    await store.recordMessages(messages);
    await store.recordConversationsStarted(starts(messages));
    const once = await dump(db);
    expect(await counted(db, 'analytics_hourly', 'messages')).toBe(200);

    await store.recordMessages(messages);
    await store.recordMessages(messages.slice(50, 90).reverse());
    await store.recordConversationsStarted(starts(messages));
    expect(await dump(db)).toEqual(once);
  });

  it('counts a message that is twice in one batch once', async () => {
    const messages = traffic(40);
    const twice = await open('twice');
    await twice.store.recordMessages([...messages, ...messages.slice(10, 20), messages[3]]);
    await twice.store.recordConversationsStarted([...starts(messages), ...starts(messages)]);
    const plain = await open('plain');
    await plain.store.recordMessages(messages);
    await plain.store.recordConversationsStarted(starts(messages));

    expect(await dump(twice.db)).toEqual(await dump(plain.db));
    expect(await counted(twice.db, 'analytics_daily', 'messages')).toBe(40);
  });

  it('writes a batch in a few statements, however many messages it holds', async () => {
    const Statement = Object.getPrototypeOf(
      new BetterSqlite3(':memory:').prepare('select 1'),
    ) as BetterSqlite3.Statement;
    const runs = jest.spyOn(Statement, 'run');
    const reads = jest.spyOn(Statement, 'all');
    const statements = () => runs.mock.calls.length + reads.mock.calls.length;
    const { store } = await open('statements');
    try {
      const perBatch: Record<number, number> = {};
      let first = 0;
      for (const size of [1, 16, 256]) {
        const before = statements();
        await store.recordMessages(traffic(size, first));
        perBatch[size] = statements() - before;
        first += size;
      }
      const before = statements();
      await store.recordMessages(traffic(256, first - 256));
      const replay = statements() - before;
      process.stdout.write(
        `statements per recordMessages batch (begin and commit included): 1 message ${perBatch[1]}, ` +
          `16: ${perBatch[16]}, 256: ${perBatch[256]}; the 256 again: ${replay}\n`,
      );
      // begin, the markers, 3 per kind of key, hourly and daily totals, content types, commit.
      expect(perBatch[1]).toBeLessThanOrEqual(13);
      expect(perBatch[256]).toBeLessThanOrEqual(45);
      // begin, the 256 markers in two statements, nothing new to count, commit.
      expect(replay).toBe(4);
    } finally {
      runs.mockRestore();
      reads.mockRestore();
    }
  });

  it('brings the aggregates of an existing store forward in migration 0007', async () => {
    const messages = traffic(200);
    const file = join(dir, 'upgraded.sqlite');
    const old = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(file) }),
    });
    const migrations = migrationsOf([ANALYTICS_MIGRATIONS]);
    const migrated = await new Migrator({
      db: old,
      provider: { getMigrations: () => Promise.resolve(migrations) },
      allowUnorderedMigrations: true,
    }).migrateTo('0006-store-probe');
    expect(migrated.error).toBeUndefined();
    // One transaction: a thousand autocommits, each synced, take seconds on a busy disk.
    await old.transaction().execute((trx) => writeAsBefore(trx, messages));
    await old.destroy();

    const upgraded = await openSqlite(file, {
      busyTimeoutMs: 1000,
      migrations: [ANALYTICS_MIGRATIONS],
    });
    opened.push(upgraded);
    const live = await open('live');
    await live.store.recordMessages(messages);
    await live.store.recordConversationsStarted(starts(messages));
    expect(await dump(upgraded)).toEqual(await dump(live.db));

    // The markers were kept: what was counted before the upgrade is not counted again.
    const store = new SqlAnalyticsStore(upgraded);
    await store.recordMessages(messages);
    expect(await counted(upgraded, 'analytics_daily', 'messages')).toBe(200);
  });
});

/** The aggregates as the store kept them up to migration 0006: a row per hour and a histogram table. */
async function writeAsBefore(db: Kysely<unknown>, messages: readonly ReceivedMessage[]) {
  const add = (
    table: string,
    keys: Record<string, number | string>,
    counts: Record<string, number>,
  ) => {
    const columns = [...Object.keys(keys), ...Object.keys(counts)];
    return sql`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.ref(column)))})
      values (${sql.join([...Object.values(keys), ...Object.values(counts)])})
      on conflict (${sql.join(Object.keys(keys).map((column) => sql.ref(column)))}) do update set
      ${sql.join(
        Object.keys(counts).map(
          (column) =>
            sql`${sql.ref(column)} = ${sql.ref(`${table}.${column}`)} + excluded.${sql.ref(column)}`,
        ),
      )}`.execute(db);
  };
  for (const message of messages) {
    const bucket_start = hourBucket(message.receivedAt);
    const day_start = dayBucket(message.receivedAt);
    const size = message.file?.size ?? 0;
    await sql`insert into analytics_counted (message_key, kind) values (${message.key}, 'message')`.execute(
      db,
    );
    await add(
      'analytics_hourly',
      { bucket_start },
      {
        messages: 1,
        attachments: message.file ? 1 : 0,
        attachment_bytes: size,
        offline_messages: message.receiverConnected === false ? 1 : 0,
        conversations_started: 0,
      },
    );
    if (message.conversationKey !== null) {
      const conversation_key = message.conversationKey;
      await add(
        'analytics_hourly_conversations',
        { bucket_start, conversation_key },
        { messages: 1 },
      );
      await add('analytics_daily_conversations', { day_start, conversation_key }, { messages: 1 });
    }
    await add('analytics_hourly_senders', { bucket_start, sender: message.from }, { messages: 1 });
    await add('analytics_daily_senders', { day_start, sender: message.from }, { messages: 1 });
    const delay = delayBucket(message.receivedAt.getTime() - message.timeStamp);
    if (delay !== null) {
      await add('analytics_hourly_delay', { bucket_start, upper_ms: delay }, { count: 1 });
    }
    if (message.file) {
      const content_type = message.file.contentType ?? 'unknown';
      await add(
        'analytics_hourly_content_types',
        { bucket_start, content_type },
        { attachments: 1, bytes: size },
      );
    }
  }
  for (const message of starts(messages)) {
    await sql`insert into analytics_counted (message_key, kind)
      values (${message.key}, 'conversation-started')`.execute(db);
    await add(
      'analytics_hourly',
      { bucket_start: hourBucket(message.receivedAt) },
      {
        messages: 0,
        attachments: 0,
        attachment_bytes: 0,
        offline_messages: 0,
        conversations_started: 1,
      },
    );
  }
}
