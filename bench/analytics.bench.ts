/*
 * npm run bench — analytics read cost against a large store.
 *
 * Seeds an SQLite store with MESSAGES messages spread over 30 days (default
 * 1,000,000; BENCH_MESSAGES overrides), derives every analytics aggregate from
 * them in SQL, checks on a sample that this derivation equals what the live
 * listener path (SqlAnalyticsStore.recordMessage) writes, then starts the real
 * app on the file and times the analytics endpoints over HTTP on 127.0.0.1.
 *
 * Target: a 30-day /api/analytics/summary in under 50 ms (p95 of 50 calls).
 * Exits 1 when a target is missed.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqlAnalyticsStore } from '../src/analytics/sql-analytics-store';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { openSqlite } from '../src/storage/sqlite/open-sqlite';
import type { ReceivedMessage } from '../src/webhook/events';
import { DELAY_BOUNDS_MS, DELAY_OVERFLOW_MS } from '../src/analytics/delay-histogram';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const DAYS = 30;
const CONVERSATIONS = Math.max(10, Math.round(MESSAGES / 50));
const AGENTS = 50;
const RUNS = 50;
const TARGET_MS = 50;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const CONTENT_TYPES = ['image/png', 'image/jpeg', 'application/pdf', 'video/mp4', 'text/plain'];

/** Deterministic PRNG so that every run measures the same store. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  key: string;
  conversation: number;
  from: string;
  receivedAt: number;
  timeStamp: number;
  offline: boolean;
  file: { contentType: string; size: number } | null;
}

/** Conversations start through the 30 days and last a few hours; agents answer visitors. */
function* traffic(end: number): Generator<Row> {
  const random = mulberry32(42);
  const start = end - DAYS * DAY;
  const starts = Array.from(
    { length: CONVERSATIONS },
    () => start + random() * (DAYS * DAY - 4 * HOUR),
  );
  for (let i = 0; i < MESSAGES; i += 1) {
    const conversation = Math.floor(random() * CONVERSATIONS);
    const receivedAt = Math.floor(starts[conversation] + random() * 4 * HOUR);
    const fromVisitor = random() < 0.55;
    const delay = random() < 0.9 ? 50 + random() * 1950 : 2_000 + random() * 60_000;
    yield {
      key: `5-bench-${i.toString(36)}-${receivedAt}`,
      conversation,
      from: fromVisitor ? `visitor-${conversation}` : `agent-${conversation % AGENTS}`,
      receivedAt,
      timeStamp: Math.floor(receivedAt - delay),
      offline: random() < 0.2,
      file:
        random() < 0.08
          ? {
              contentType: CONTENT_TYPES[Math.floor(random() * CONTENT_TYPES.length)],
              size: Math.floor(1_000 + random() * 2_000_000),
            }
          : null,
    };
  }
}

function seedMessages(file: string, end: number): void {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  const insert = sqlite.prepare(`
    insert into messages (key, conversation_key, from_user, to_user, text, time_stamp, received_at,
      group_id, client_group_id, group_name, receiver_connected, file_url, file_content_type,
      file_size, metadata, raw)
    values (?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)`);
  const insertMany = sqlite.transaction((rows: Row[]) => {
    for (const row of rows) {
      const groupId = 100_000 + row.conversation;
      const text = `message ${row.key}`;
      insert.run(
        row.key,
        `group:${groupId}`,
        row.from,
        text,
        row.timeStamp,
        row.receivedAt,
        groupId,
        String(groupId),
        'Conversation',
        row.offline ? 0 : 1,
        row.file ? `https://files.example/${row.key}` : null,
        row.file?.contentType ?? null,
        row.file?.size ?? null,
        JSON.stringify({
          key: row.key,
          from: row.from,
          message: text,
          timeStamp: row.timeStamp,
          groupId,
        }),
      );
    }
  });
  let batch: Row[] = [];
  for (const row of traffic(end)) {
    batch.push(row);
    if (batch.length === 50_000) {
      insertMany(batch);
      batch = [];
    }
  }
  insertMany(batch);
  sqlite.close();
}

/** The aggregates recordMessage keeps, derived from the stored messages in one pass each. */
function deriveAggregates(file: string): void {
  const sqlite = new BetterSqlite3(file);
  const delayCase = `case ${DELAY_BOUNDS_MS.map((bound) => `when max(received_at - time_stamp, 0) <= ${bound} then ${bound}`).join(' ')} else ${DELAY_OVERFLOW_MS} end`;
  sqlite.exec(`
    begin;
    insert into conversations (conversation_key, first_message_key, first_seen_at, last_seen_at, message_count)
      select conversation_key, (select key from messages m2 where m2.conversation_key = m.conversation_key
        order by received_at, id limit 1), min(received_at), max(received_at), count(*)
      from messages m where conversation_key is not null group by conversation_key;
    insert into analytics_counted (message_key, kind) select key, 'message' from messages;
    insert into analytics_counted (message_key, kind)
      select first_message_key, 'conversation-started' from conversations;
    insert into analytics_hourly (bucket_start, messages, attachments, attachment_bytes, offline_messages, conversations_started)
      select received_at - received_at % ${HOUR}, count(*), count(file_url), coalesce(sum(file_size), 0),
        sum(receiver_connected = 0), 0
      from messages group by 1;
    insert into analytics_hourly (bucket_start, messages, attachments, attachment_bytes, offline_messages, conversations_started)
      select first_seen_at - first_seen_at % ${HOUR}, 0, 0, 0, 0, count(*) from conversations where true group by 1
      on conflict (bucket_start) do update set conversations_started = excluded.conversations_started;
    insert into analytics_hourly_conversations (bucket_start, conversation_key, messages)
      select received_at - received_at % ${HOUR}, conversation_key, count(*) from messages group by 1, 2;
    insert into analytics_daily_conversations (day_start, conversation_key, messages)
      select received_at - received_at % ${DAY}, conversation_key, count(*) from messages group by 1, 2;
    insert into analytics_hourly_senders (bucket_start, sender, messages)
      select received_at - received_at % ${HOUR}, from_user, count(*) from messages group by 1, 2;
    insert into analytics_daily_senders (day_start, sender, messages)
      select received_at - received_at % ${DAY}, from_user, count(*) from messages group by 1, 2;
    insert into analytics_hourly_content_types (bucket_start, content_type, attachments, bytes)
      select received_at - received_at % ${HOUR}, file_content_type, count(*), sum(file_size)
      from messages where file_url is not null group by 1, 2;
    insert into analytics_hourly_delay (bucket_start, upper_ms, count)
      select received_at - received_at % ${HOUR}, ${delayCase}, count(*) from messages
      where abs(received_at - time_stamp) <= ${DELAY_OVERFLOW_MS} group by 1, 2;
    commit;
    analyze;
  `);
  sqlite.close();
}

/** The derivation must agree with the live path, or the timings mean nothing. */
async function crossCheck(end: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kommhook-bench-check-'));
  const live = join(dir, 'live.sqlite');
  const derived = join(dir, 'derived.sqlite');
  try {
    const rows = [...take(traffic(end), 5_000)];
    const db = await openSqlite(live, { busyTimeoutMs: 2000 });
    const store = new SqlAnalyticsStore(db);
    for (const row of rows) await store.recordMessage(toReceived(row));
    await db.destroy();

    await (await openSqlite(derived, { busyTimeoutMs: 2000 })).destroy();
    seedSample(derived, rows);
    deriveAggregates(derived);

    // conversations_started comes from another listener; the rest must match row for row.
    const queries: Record<string, string> = {
      analytics_hourly:
        'select bucket_start, messages, attachments, attachment_bytes, offline_messages from analytics_hourly order by 1',
      ...Object.fromEntries(
        [
          'analytics_hourly_conversations',
          'analytics_daily_conversations',
          'analytics_hourly_senders',
          'analytics_daily_senders',
          'analytics_hourly_content_types',
          'analytics_hourly_delay',
        ].map((table) => [table, `select * from ${table} order by 1, 2`]),
      ),
    };
    const a = new BetterSqlite3(live, { readonly: true });
    const b = new BetterSqlite3(derived, { readonly: true });
    const mismatches = Object.entries(queries)
      .filter(
        ([, query]) =>
          JSON.stringify(a.prepare(query).all()) !== JSON.stringify(b.prepare(query).all()),
      )
      .map(([table]) => table);
    a.close();
    b.close();
    if (mismatches.length > 0) {
      throw new Error(`derived aggregates differ from the live path: ${mismatches.join(', ')}`);
    }
    console.log(
      `cross-check: 5,000 messages through recordMessage = the SQL derivation (${Object.keys(queries).length} tables)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function seedSample(file: string, rows: Row[]): void {
  const sqlite = new BetterSqlite3(file);
  const insert = sqlite.prepare(`
    insert into messages (key, conversation_key, from_user, text, time_stamp, received_at, receiver_connected,
      file_url, file_content_type, file_size, metadata, raw)
    values (?, ?, ?, '', ?, ?, ?, ?, ?, ?, '{}', '{}')`);
  sqlite.transaction(() => {
    for (const row of rows) {
      insert.run(
        row.key,
        `group:${100_000 + row.conversation}`,
        row.from,
        row.timeStamp,
        row.receivedAt,
        row.offline ? 0 : 1,
        row.file ? 'https://files.example/x' : null,
        row.file?.contentType ?? null,
        row.file?.size ?? null,
      );
    }
  })();
  sqlite.close();
}

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  let taken = 0;
  for (const item of items) {
    if (taken++ >= count) return;
    yield item;
  }
}

function toReceived(row: Row): ReceivedMessage {
  const groupId = 100_000 + row.conversation;
  return {
    key: row.key,
    from: row.from,
    to: null,
    text: '',
    timeStamp: row.timeStamp,
    receivedAt: new Date(row.receivedAt),
    conversationKey: `group:${groupId}`,
    groupId,
    clientGroupId: String(groupId),
    groupName: 'Conversation',
    conversationId: null,
    receiverConnected: !row.offline,
    receiverLastSeenAtTime: null,
    file: row.file
      ? {
          name: null,
          url: 'https://files.example/x',
          contentType: row.file.contentType,
          size: row.file.size,
          thumbnailUrl: null,
        }
      : null,
    metadata: {},
  };
}

async function time(url: string): Promise<{ p50: number; p95: number; max: number }> {
  const headers = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  const warm = await fetch(url, { headers });
  if (!warm.ok) throw new Error(`${url} answered ${warm.status}: ${await warm.text()}`);
  await warm.arrayBuffer();
  const durations: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    durations.push(performance.now() - started);
  }
  durations.sort((x, y) => x - y);
  const at = (q: number): number =>
    durations[Math.min(durations.length - 1, Math.floor(q * durations.length))];
  return { p50: at(0.5), p95: at(0.95), max: durations[durations.length - 1] };
}

async function seed(file: string, end: number): Promise<void> {
  await (await openSqlite(file, { busyTimeoutMs: 2000 })).destroy();
  let started = performance.now();

  seedMessages(file, end);
  console.log(
    `seeded ${MESSAGES.toLocaleString('en')} messages, ${CONVERSATIONS.toLocaleString('en')} conversations over ${DAYS} days in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  started = performance.now();
  deriveAggregates(file);
  console.log(
    `derived aggregates in ${((performance.now() - started) / 1000).toFixed(1)} s; store ${(statSync(file).size / 1e6).toFixed(0)} MB`,
  );
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  await crossCheck(end);

  // BENCH_DIR keeps the seeded store for the next run, which then skips seeding.
  const kept = process.env.BENCH_DIR;
  if (kept) mkdirSync(kept, { recursive: true });
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'kommhook-bench-'));
  const file = join(dir, 'kommhook.sqlite');
  const reuse = kept !== undefined && existsSync(file);
  try {
    if (reuse) console.log(`reusing the store in ${dir}`);
    else await seed(file, end);

    Object.assign(process.env, {
      DATA_DIR: dir,
      ADMIN_TOKEN,
      WEBHOOK_TOKENS: 'bench-webhook-token-0123456789',
      LOG_LEVEL: 'warn',
    });
    const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
      bodyParser: false,
      bufferLogs: true,
    });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const base = `http://127.0.0.1:${port}/api/analytics`;
    const since = new Date(end - DAYS * DAY).toISOString();
    const until = new Date(end + HOUR).toISOString();
    const range = `since=${since}&until=${until}`;

    const cases: [string, string, number | null][] = [
      ['summary, 30 days', `${base}/summary?${range}`, TARGET_MS],
      ['summary, all time', `${base}/summary`, null],
      ['timeseries, hourly, 30 days (720 points)', `${base}/timeseries?bucket=hour&${range}`, null],
      ['timeseries, daily, 30 days, UTC', `${base}/timeseries?bucket=day&${range}`, null],
      [
        'timeseries, daily, 30 days, +02:00',
        `${base}/timeseries?bucket=day&tz=%2B02:00&${range}`,
        null,
      ],
      ['top conversations, 30 days', `${base}/top?by=conversation&${range}`, null],
      ['attachments, 30 days', `${base}/attachments?${range}`, null],
    ];
    let missed = false;
    console.log(`\n${RUNS} sequential calls each, over HTTP on 127.0.0.1 (ms):`);
    console.log(
      'endpoint'.padEnd(44) +
        'p50'.padStart(8) +
        'p95'.padStart(8) +
        'max'.padStart(8) +
        '  target',
    );
    for (const [name, url, target] of cases) {
      const { p50, p95, max } = await time(url);
      const verdict =
        target === null ? '' : p95 < target ? `  < ${target} ms: PASS` : `  < ${target} ms: FAIL`;
      if (target !== null && p95 >= target) missed = true;
      console.log(
        name.padEnd(44) +
          p50.toFixed(1).padStart(8) +
          p95.toFixed(1).padStart(8) +
          max.toFixed(1).padStart(8) +
          verdict,
      );
    }
    const summary = (await (
      await fetch(`${base}/summary?${range}`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()) as { messages: number; activeConversations: number; senders: number };
    console.log(
      `\n30-day summary counts ${summary.messages.toLocaleString('en')} messages, ${summary.activeConversations.toLocaleString('en')} conversations, ${summary.senders.toLocaleString('en')} senders`,
    );
    await app.close();
    if (summary.messages !== MESSAGES)
      throw new Error(`the summary counts ${summary.messages} messages, not ${MESSAGES}`);
    if (missed) process.exitCode = 1;
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
