/*
 * npm run bench:export — the sessions export's memory and speed on a large store.
 *
 * Seeds a fresh SQLite store with the support sessions and waits that
 * 1,000,000 messages make (100,000 sessions of 10 messages on average;
 * BENCH_SESSIONS overrides), written straight to the file, then starts the
 * built server as `npm start` runs it (a child process, so its resident set
 * is the server's alone) and streams GET /api/support/sessions over HTTP on
 * 127.0.0.1: whole range as CSV, as NDJSON, and as CSV to a client reading
 * at 4 MB/s (slower than the server writes: backpressure must hold the
 * server, not its memory). The server's RSS is sampled every 20 ms, and it
 * runs with --trace-gc: the heap left after each full collection is what
 * the export keeps alive (RSS also holds the garbage V8 lets pile up, to
 * about four times the live heap, before it collects).
 *
 * Targets: every run returns every session; the live heap after a full
 * collection stays under 64 MB and the peak RSS under 250 MB (the ceiling
 * the webhook and soak benches hold the server to). Exits 1 otherwise. The
 * full run writes its figures into docs/benchmarks.md.
 */
import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { APP_MIGRATIONS } from '../src/app.schema';
import { openSqlite } from '../src/storage/sqlite/open-sqlite';
import { describeMachine, replaceSection } from './support/report';
import {
  freePort,
  hasTaskset,
  kommhookArgs,
  pinSelf,
  ROOT,
  RunningServer,
  startServer,
} from './support/processes';

const FULL_RUN = 100_000;
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? FULL_RUN);
const CONVERSATIONS = Math.max(1, Math.round(SESSIONS / 2.5));
const AGENTS = 50;
const DAYS = 30;
const DAY = 86_400_000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const SLOW_BYTES_PER_SECOND = 4_000_000;
const LIVE_HEAP_TARGET_MB = 64;
const RSS_TARGET_MB = 250;
/** --trace-gc's line for a full collection: heap before (committed) -> after (committed). */
const FULL_GC = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/g;

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

/**
 * Sessions through 30 days, 4 to 16 messages each (half the customer's),
 * 1 to 5 waits, most ended by an agent after seconds to hours, 5% left open.
 * Returns the messages the sessions stand for.
 */
function seedSessions(file: string, end: number): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const session = db.prepare(`
    insert into support_sessions (conversation_key, started_at, ended_at, first_message_key,
      initiator, customer, agents, messages, customer_messages, agent_messages, bot_messages,
      first_customer_at, first_response_ms, first_response_business_ms,
      first_response_with_bots_ms, first_response_with_bots_business_ms, handoff_ms,
      handoff_business_ms, waiting_since)
    values (?, ?, ?, ?, 'customer', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, ?)`);
  const wait = db.prepare(`
    insert into support_waits (customer_message_key, conversation_key, session_started_at,
      started_at, ended_by, ended_at, reply_message_key, wait_ms, business_wait_ms)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const random = mulberry32(7);
  const step = (DAYS * DAY) / SESSIONS;
  const start = end - DAYS * DAY;
  let messages = 0;
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const conversation = `group:${1_000_000 + (i % CONVERSATIONS)}`;
      const startedAt = Math.floor(start + i * step);
      const count = 4 + Math.floor(random() * 13);
      const customerMessages = Math.ceil(count / 2);
      const bots = random() < 0.2 ? 1 : 0;
      const agents = [
        ...new Set(
          Array.from(
            { length: 1 + Math.floor(random() * 3) },
            () => `agent-${Math.floor(random() * AGENTS)}`,
          ),
        ),
      ];
      // A few customers' ids look like formulas: the CSV must quote and neutralise them.
      const customer = `${random() < 0.03 ? '=' : ''}visitor-${i}`;
      const open = random() < 0.05;
      const waits = 1 + Math.floor(random() * 5);
      let at = startedAt;
      let firstResponse: number | null = null;
      let waitingSince: number | null = null;
      for (let w = 0; w < waits; w += 1) {
        const key = `5-seed-${i}-${w}`;
        const last = w === waits - 1;
        if (last && open) {
          wait.run(key, conversation, startedAt, at, null, null, null, null, null);
          waitingSince = at;
          break;
        }
        const ms = Math.floor(5_000 * Math.exp(random() * 7));
        const by = random() < 0.1 ? 'bot' : 'agent';
        wait.run(key, conversation, startedAt, at, by, at + ms, `${key}-r`, ms, Math.floor(ms / 3));
        if (by === 'agent') firstResponse ??= ms;
        at += ms + Math.floor(random() * 600_000);
      }
      session.run(
        conversation,
        startedAt,
        at,
        `5-seed-${i}-0`,
        customer,
        JSON.stringify(agents),
        count,
        customerMessages,
        count - customerMessages - bots,
        bots,
        startedAt,
        firstResponse,
        firstResponse === null ? null : Math.floor(firstResponse / 3),
        firstResponse,
        firstResponse === null ? null : Math.floor(firstResponse / 3),
        waitingSince,
      );
      messages += count;
    }
  });
  for (let from = 0; from < SESSIONS; from += 10_000) {
    insert(from, Math.min(SESSIONS, from + 10_000));
  }
  db.exec('analyze');
  db.close();
  return messages;
}

interface Run {
  readonly name: string;
  readonly rows: number;
  readonly megabytes: number;
  readonly seconds: number;
  /** The highest RSS sampled during the run, MB. */
  readonly maxRssMb: number;
}

/** Streams one export to the end, counting lines, while sampling the server's RSS. */
async function exportOnce(
  server: RunningServer,
  name: string,
  path: string,
  bytesPerSecond?: number,
): Promise<Run> {
  let maxRssMb = server.rssMb();
  const sampler = setInterval(() => (maxRssMb = Math.max(maxRssMb, server.rssMb())), 20);
  const started = performance.now();
  try {
    const { lines, bytes } = await new Promise<{ lines: number; bytes: number }>(
      (resolve, reject) => {
        const request = get(
          {
            host: '127.0.0.1',
            port: server.port,
            path,
            headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
          },
          (response) => {
            if (response.statusCode !== 200) {
              reject(new Error(`${path}: ${response.statusCode}`));
              return;
            }
            let lines = 0;
            let bytes = 0;
            response.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines += 1;
              if (bytesPerSecond !== undefined) {
                // Reads no faster than bytesPerSecond on average.
                const due = started + (bytes / bytesPerSecond) * 1000;
                const wait = due - performance.now();
                if (wait > 0) {
                  response.pause();
                  setTimeout(() => response.resume(), wait);
                }
              }
            });
            response.once('end', () => resolve({ lines, bytes }));
            response.once('error', reject);
          },
        );
        request.once('error', reject);
      },
    );
    return {
      name,
      rows: name.includes('CSV') ? lines - 1 : lines,
      megabytes: bytes / 1e6,
      seconds: (performance.now() - started) / 1000,
      maxRssMb,
    };
  } finally {
    clearInterval(sampler);
  }
}

const format = (value: number, digits = 0): string =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  pinSelf();
  const dir = mkdtempSync(join(tmpdir(), 'kommhook-export-bench-'));
  const file = join(dir, 'kommhook.sqlite');
  let server: RunningServer | undefined;
  try {
    await (await openSqlite(file, { busyTimeoutMs: 2000, migrations: APP_MIGRATIONS })).destroy();
    const seeding = performance.now();
    const messages = seedSessions(file, Date.now());
    console.log(
      `seeded ${format(SESSIONS)} sessions standing for ${format(messages)} messages in ${format((performance.now() - seeding) / 1000, 1)} s`,
    );

    server = await startServer(
      {
        name: 'kommhook',
        args: ['--trace-gc', ...kommhookArgs()],
        env: {
          DATA_DIR: dir,
          WEBHOOK_TOKENS: 'bench-webhook-token-0123456789',
          ADMIN_TOKEN,
          HOST: '127.0.0.1',
          NODE_PATH: join(ROOT, 'node_modules'),
        },
        cwd: dir,
        ready: /kommhook is listening/,
      },
      await freePort(),
    );
    // A first small export: what every request needs (routes, statements) is in place.
    await exportOnce(server, 'warm-up', '/api/support/sessions?limit=10');
    const baseline = server.rssMb();
    const peakBefore = server.peakRssMb();
    const outputBefore = server.output().length;
    console.log(`server RSS before: ${format(baseline)} MB (peak so far ${format(peakBefore)} MB)`);

    const runs: Run[] = [];
    for (const [name, path, rate] of [
      ['CSV', '/api/support/sessions?format=csv', undefined],
      ['NDJSON', '/api/support/sessions?format=ndjson', undefined],
      ['CSV, client at 4 MB/s', '/api/support/sessions?format=csv', SLOW_BYTES_PER_SECOND],
    ] as const) {
      const run = await exportOnce(server, name, path, rate);
      runs.push(run);
      console.log(
        `${name}: ${format(run.rows)} rows, ${format(run.megabytes, 1)} MB in ${format(run.seconds, 2)} s ` +
          `(${format(run.rows / run.seconds)} rows/s), RSS up to ${format(run.maxRssMb)} MB`,
      );
    }
    const peak = server.peakRssMb();
    const live = [...server.output().slice(outputBefore).matchAll(FULL_GC)].map((m) =>
      Number(m[1]),
    );
    const liveText =
      live.length === 0
        ? 'no full collection during the exports'
        : `heap after each of the ${live.length} full collections during the exports: ${format(Math.min(...live), 1)}–${format(Math.max(...live), 1)} MB`;
    console.log(`server peak RSS (VmHWM): ${format(peak)} MB; ${liveText}`);

    const failures = [
      ...runs
        .filter((run) => run.rows !== SESSIONS)
        .map((run) => `${run.name} returned ${run.rows} rows, not ${SESSIONS}`),
      ...(live.some((mb) => mb > LIVE_HEAP_TARGET_MB)
        ? [
            `the live heap reached ${format(Math.max(...live))} MB (target ≤ ${LIVE_HEAP_TARGET_MB} MB)`,
          ]
        : []),
      ...(peak > RSS_TARGET_MB
        ? [`the peak RSS was ${format(peak)} MB (target ≤ ${RSS_TARGET_MB} MB)`]
        : []),
    ];
    if (SESSIONS === FULL_RUN) {
      const table = [
        '| export | rows | MB | seconds | rows/s | highest RSS sampled |',
        '| --- | --- | --- | --- | --- | --- |',
        ...runs.map(
          (run) =>
            `| ${run.name} | ${format(run.rows)} | ${format(run.megabytes, 1)} | ${format(run.seconds, 2)} | ${format(run.rows / run.seconds)} | ${format(run.maxRssMb)} MB |`,
        ),
      ].join('\n');
      await replaceSection(
        join(ROOT, 'docs', 'benchmarks.md'),
        'support-export',
        [
          '## Sessions export (`npm run bench:export`)',
          describeMachine(hasTaskset),
          `${format(SESSIONS)} sessions standing for ${format(messages)} messages (and their waits), one SQLite store; \`GET /api/support/sessions\`, whole range, from the built server over HTTP on 127.0.0.1, its RSS sampled every 20 ms.`,
          table,
          `Server RSS before the exports ${format(baseline)} MB (peak ${format(peakBefore)} MB); peak after them ${format(peak)} MB (target ≤ ${RSS_TARGET_MB} MB). The ${liveText} (target ≤ ${LIVE_HEAP_TARGET_MB} MB): the export keeps one page alive, whatever the range; the rest of the RSS is garbage V8 lets grow to about four times the live heap before a full collection.`,
          failures.length === 0 ? 'All targets met.' : `Missed: ${failures.join('; ')}.`,
        ].join('\n\n'),
      );
    }
    if (failures.length > 0) {
      console.error(failures.join('\n'));
      process.exitCode = 1;
    }
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
