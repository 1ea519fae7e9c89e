/*
 * npm run bench:webhook — kommhook's webhook path side by side with what a
 * hand-written receiver does, in one run, on one machine.
 *
 *   bare     node:http, parse JSON, check the Basic header (the platform's limit)
 *   express  Express 5 + better-sqlite3 (WAL, synchronous=NORMAL), one insert per request
 *   kommhook the built server as `npm start` runs it: analytics on, plus one
 *            notification rule (NOTIFY_WEBHOOK_URL) posting to a local sink
 *
 * Servers run on core 0, the load (autocannon, 50 connections, a fresh key per
 * request) on core 1. Three rounds; each ratio is taken within a round and the
 * median of the rounds is reported. Then, for kommhook alone: the delivery
 * backlog's drain after a 30-second full-speed load, req/s at 1, 10, 50 and 200
 * connections, and req/s with 1,000,000 messages already stored.
 *
 * Writes docs/benchmarks.md; exits 1 when a target is missed.
 * BENCH_SECONDS (default 10) sets each measured run's length; BENCH_STORED=0
 * skips the 1,000,000-message run. Last, the same side by side on PostgreSQL
 * (one kommhook instance, and two sharing the load), BENCH_PG=0 skips it;
 * BENCH_ONLY=pg runs only that part and prints it.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { LoadResult } from './support/load';
import { describeMachine, replaceSection } from './support/report';
import {
  freePort,
  kommhookArgs,
  hasTaskset,
  median,
  pinSelf,
  ROOT,
  runLoad,
  RunningServer,
  ServerSpec,
  startServer,
} from './support/processes';
import { seedStoredMessages } from './support/seed-store';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const ROUNDS = 3;
const CONNECTIONS = 50;
const TOKEN = 'bench-webhook-token-0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const TARGETS = { rpsRatio: 1.0, p99Ratio: 2.0, drainSeconds: 5, rssMb: 250 };

type ServerName = 'bare' | 'express' | 'kommhook';

/** PostgreSQL for the PostgreSQL rows: the machine's local server unless BENCH_POSTGRES_URL says otherwise. */
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Measured extends LoadResult {
  readonly peakRssMb: number;
}

class Sink {
  requests = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Sink> {
    let sink: Sink | undefined = undefined;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        sink!.requests += 1;
        res.writeHead(200).end('ok');
      });
    });
    sink = new Sink(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function spec(name: ServerName, dir: string, sink: Sink, databaseUrl?: string): ServerSpec {
  const env = { WEBHOOK_TOKEN: TOKEN };
  switch (name) {
    case 'bare':
      return {
        name,
        args: [join(ROOT, 'bench/peers/bare-http.js')],
        env,
        cwd: dir,
        ready: /listening/,
      };
    case 'express':
      return {
        name,
        args: [join(ROOT, 'bench/peers/express-sqlite.js')],
        env: { ...env, DB_FILE: join(dir, 'peer.sqlite'), NODE_PATH: join(ROOT, 'node_modules') },
        cwd: dir,
        ready: /listening/,
      };
    case 'kommhook':
      return {
        name,
        args: kommhookArgs(),
        env: {
          DATA_DIR: join(dir, 'data'),
          WEBHOOK_TOKENS: TOKEN,
          ADMIN_TOKEN,
          HOST: '127.0.0.1',
          RATE_LIMIT_PER_MINUTE: '0',
          NOTIFY_WEBHOOK_URL: sink.url,
          NODE_PATH: join(ROOT, 'node_modules'),
          ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        },
        cwd: dir,
        ready: /kommhook is listening/,
      };
  }
}

const storeFile = (dir: string): string => join(dir, 'data', 'kommhook.sqlite');

/** Deliveries not yet `done`, read from the store's file as another process would. */
function unfinished(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        "select count(*) as n from deliveries where status in ('pending', 'running', 'failed', 'dead')",
      )
      .get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

async function drainSeconds(file: string, limitSeconds = 120): Promise<number> {
  const started = Date.now();
  while (unfinished(file) > 0) {
    if (Date.now() - started > limitSeconds * 1000) return Infinity;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (Date.now() - started) / 1000;
}

async function withServer<T>(
  name: ServerName,
  sink: Sink,
  run: (server: RunningServer, dir: string) => Promise<T>,
  prepare?: (dir: string) => Promise<void>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `kommhook-bench-${name}-`));
  try {
    await prepare?.(dir);
    const server = await startServer(spec(name, dir, sink), await freePort());
    try {
      return await run(server, dir);
    } finally {
      if (name === 'kommhook') kommhookPeakRss = Math.max(kommhookPeakRss, server.peakRssMb());
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The highest resident set of any kommhook run of the bench, MB. */
let kommhookPeakRss = 0;
let runs = 0;
async function load(
  server: RunningServer,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  runs += 1;
  const result = await runLoad({
    url: `http://127.0.0.1:${server.port}/message/forward`,
    token: TOKEN,
    connections,
    duration: seconds,
    prefix: `bench-${process.pid}-${runs}`,
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${server.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts\n${server.output().slice(-2000)}`,
    );
  }
  return result;
}

async function measure(name: ServerName, sink: Sink): Promise<Measured> {
  return withServer(name, sink, async (server, dir) => {
    await load(server, CONNECTIONS, WARMUP_SECONDS);
    const result = await load(server, CONNECTIONS, SECONDS);
    const peakRssMb = server.peakRssMb();
    if (name === 'kommhook') await drainSeconds(storeFile(dir));
    return { ...result, peakRssMb };
  });
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '∞';

async function main(): Promise<void> {
  pinSelf();
  const sink = await Sink.start();
  const lines: string[] = [];
  const log = (line = ''): void => {
    lines.push(line);
    console.log(line);
  };
  const failures: string[] = [];

  // BENCH_ONLY=pg: the PostgreSQL rows alone, printed, docs left as they are.
  if (process.env.BENCH_ONLY === 'pg') {
    try {
      await postgresRows(sink, log);
    } finally {
      await sink.stop();
    }
    return;
  }

  try {
    // 1. Side by side, three rounds.
    const rounds: Record<ServerName, Measured>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const result = {} as Record<ServerName, Measured>;
      for (const name of ['bare', 'express', 'kommhook'] as const) {
        result[name] = await measure(name, sink);
        console.error(
          `round ${round} ${name}: ${fmt(result[name].rps)} req/s, p99 ${result[name].p99} ms`,
        );
      }
      rounds.push(result);
    }
    const rpsRatio = median(rounds.map((r) => r.kommhook.rps / r.express.rps));
    const p99Ratio = median(rounds.map((r) => r.kommhook.p99 / Math.max(r.express.p99, 1)));
    const bareRatio = median(rounds.map((r) => r.kommhook.rps / r.bare.rps));
    const row = (name: ServerName, label: string): string => {
      const of = (pick: (m: Measured) => number) => median(rounds.map((r) => pick(r[name])));
      return `| ${label} | ${fmt(of((m) => m.rps))} | ${fmt(of((m) => m.p50))} | ${fmt(of((m) => m.p99))} | ${fmt(of((m) => m.peakRssMb))} |`;
    };
    log(
      `### Side by side (${CONNECTIONS} connections, ${SECONDS} s per run, median of ${ROUNDS} rounds)`,
    );
    log();
    log('| server, same run | req/s | p50 ms | p99 ms | peak RSS MB |');
    log('|---|---|---|---|---|');
    log(row('bare', 'bare `node:http`: parse JSON + check the Basic header'));
    log(
      row(
        'express',
        'hand-written Express 5 + better-sqlite3 (WAL, `synchronous=NORMAL`), one insert per request',
      ),
    );
    log(row('kommhook', 'kommhook (`synchronous=FULL`, analytics + one notification rule)'));
    log();
    log('| ratio (median of the per-round ratios) | value | target |');
    log('|---|---|---|');
    log(
      `| kommhook req/s ÷ Express receiver req/s | ${fmt(rpsRatio, 2)}× | ≥ ${TARGETS.rpsRatio}× |`,
    );
    log(`| kommhook p99 ÷ Express receiver p99 | ${fmt(p99Ratio, 2)}× | ≤ ${TARGETS.p99Ratio}× |`);
    log(`| kommhook req/s ÷ bare node:http req/s | ${fmt(bareRatio, 2)}× | — |`);
    log();
    log(
      `Per round (kommhook ÷ Express, req/s): ${rounds.map((r) => fmt(r.kommhook.rps / r.express.rps, 2)).join(', ')}.`,
    );
    log();
    if (rpsRatio < TARGETS.rpsRatio)
      failures.push(`req/s ratio ${fmt(rpsRatio, 2)} < ${TARGETS.rpsRatio}`);
    if (p99Ratio > TARGETS.p99Ratio)
      failures.push(`p99 ratio ${fmt(p99Ratio, 2)} > ${TARGETS.p99Ratio}`);

    // 2. The backlog after 30 s at full speed.
    const drain = await withServer('kommhook', sink, async (server, dir) => {
      const sent = sink.requests;
      const result = await load(server, CONNECTIONS, 30);
      const seconds = await drainSeconds(storeFile(dir));
      return { result, seconds, notified: sink.requests - sent, rss: server.peakRssMb() };
    });
    log('### Delivery backlog');
    log();
    log(
      `30 s at full speed: ${fmt(drain.result.requests)} webhooks (${fmt(drain.result.rps)} req/s), ` +
        `every delivery \`done\` **${fmt(drain.seconds, 2)} s** after the load stopped (target ≤ ${TARGETS.drainSeconds} s); ` +
        `${fmt(drain.notified)} notifications reached the sink; peak RSS ${fmt(drain.rss)} MB.`,
    );
    log();
    if (!(drain.seconds <= TARGETS.drainSeconds))
      failures.push(`drain ${fmt(drain.seconds, 2)} s > ${TARGETS.drainSeconds} s`);

    // 3. Connections.
    log('### kommhook by connections');
    log();
    log('| connections | req/s | p50 ms | p99 ms |');
    log('|---|---|---|---|');
    for (const connections of [1, 10, 50, 200]) {
      const result = await withServer('kommhook', sink, async (server) => {
        await load(server, connections, WARMUP_SECONDS);
        return load(server, connections, SECONDS);
      });
      log(`| ${connections} | ${fmt(result.rps)} | ${fmt(result.p50)} | ${fmt(result.p99)} |`);
    }
    log();

    // 4. A large store.
    if (process.env.BENCH_STORED !== '0') {
      const stored = 1_000_000;
      const result = await withServer(
        'kommhook',
        sink,
        async (server) => {
          await load(server, CONNECTIONS, WARMUP_SECONDS);
          return load(server, CONNECTIONS, SECONDS);
        },
        async (dir) => {
          // Let kommhook create its schema, then fill it as a year of traffic would.
          await withServerAt(dir, sink);
          seedStoredMessages(storeFile(dir), stored);
        },
      );
      log('### kommhook with 1,000,000 messages already stored');
      log();
      log(
        `${fmt(result.rps)} req/s, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms (${CONNECTIONS} connections).`,
      );
      log();
    }
    // 5. PostgreSQL: one instance, and two behind a round-robin of both ports.
    if (process.env.BENCH_PG !== '0') await postgresRows(sink, log);
  } finally {
    await sink.stop();
  }

  log(
    `Highest resident set of kommhook over every run above: ${fmt(kommhookPeakRss)} MB (target ≤ ${TARGETS.rssMb} MB).`,
  );
  log();
  if (kommhookPeakRss > TARGETS.rssMb) {
    failures.push(`peak RSS ${fmt(kommhookPeakRss)} MB > ${TARGETS.rssMb} MB`);
  }
  log(failures.length === 0 ? 'All targets met.' : `Targets missed: ${failures.join('; ')}.`);
  await replaceSection(
    join(ROOT, 'docs', 'benchmarks.md'),
    'webhook',
    [
      `## Webhook path (\`npm run bench:webhook\`)`,
      '',
      describeMachine(hasTaskset),
      '',
      ...lines,
    ].join('\n'),
  );
  if (failures.length > 0) process.exit(1);
}

/** A fresh schema of the bench's PostgreSQL for one run; dropped by `drop`. */
async function postgresSchema(): Promise<{
  url: string;
  unfinished(): Promise<number>;
  drop(): Promise<void>;
}> {
  const schema = `kommhook_bench_${process.pid}_${(runs += 1)}`;
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    unfinished: async () =>
      Number(
        (
          await admin.query<{ n: string }>(
            `select count(*) as n from ${schema}.deliveries where status <> 'done'`,
          )
        ).rows[0].n,
      ),
    drop: async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** Serves kommhook on `instances` processes sharing one fresh PostgreSQL schema, all on the server core. */
async function withPostgres<T>(
  instances: number,
  sink: Sink,
  run: (servers: RunningServer[], unfinished: () => Promise<number>) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kommhook-bench-pg-'));
  const schema = await postgresSchema();
  const servers: RunningServer[] = [];
  try {
    // One after the other: the first migrates, the others find the schema done.
    for (let n = 0; n < instances; n++) {
      const own = join(dir, String(n));
      mkdirSync(own);
      servers.push(await startServer(spec('kommhook', own, sink, schema.url), await freePort()));
    }
    return await run(servers, () => schema.unfinished());
  } finally {
    for (const server of servers) {
      kommhookPeakRss = Math.max(kommhookPeakRss, server.peakRssMb());
      await server.stop();
    }
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The load split over the servers, each its share of the connections at once: a round-robin balancer's effect. */
async function loadAll(
  servers: readonly RunningServer[],
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const results = await Promise.all(
    servers.map((server) => load(server, connections / servers.length, seconds)),
  );
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  return {
    ...results[0],
    requests,
    rps: results.reduce((sum, r) => sum + r.rps, 0),
    p50: median(results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
  };
}

async function postgresRows(sink: Sink, log: (line?: string) => void): Promise<void> {
  const rounds: { express: Measured; pg1: LoadResult; pg2: LoadResult; drain2: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const express = await measure('express', sink);
    const pg1 = await withPostgres(1, sink, async (servers, unfinished) => {
      await loadAll(servers, CONNECTIONS, WARMUP_SECONDS);
      const result = await loadAll(servers, CONNECTIONS, SECONDS);
      await drained(unfinished);
      return result;
    });
    const { pg2, drain2 } = await withPostgres(2, sink, async (servers, unfinished) => {
      await loadAll(servers, CONNECTIONS, WARMUP_SECONDS);
      const result = await loadAll(servers, CONNECTIONS, SECONDS);
      return { pg2: result, drain2: await drained(unfinished) };
    });
    console.error(
      `round ${round} PostgreSQL: express ${fmt(express.rps)}, one instance ${fmt(pg1.rps)}, two ${fmt(pg2.rps)} req/s`,
    );
    rounds.push({ express, pg1, pg2, drain2 });
  }
  const of = (pick: (r: (typeof rounds)[number]) => number): number => median(rounds.map(pick));
  log(
    `### On PostgreSQL (${CONNECTIONS} connections, ${SECONDS} s per run, median of ${ROUNDS} rounds)`,
  );
  log();
  log(
    'kommhook instances on core 0 (two instances share it), the load on core 1; PostgreSQL 15 on the same machine, unpinned (its processes take either core).',
  );
  log();
  log('| server, same run | req/s | p50 ms | p99 ms | ÷ Express req/s | ÷ Express p99 |');
  log('|---|---|---|---|---|---|');
  log(
    `| hand-written Express 5 + better-sqlite3 (the reference) | ${fmt(of((r) => r.express.rps))} | ${fmt(of((r) => r.express.p50))} | ${fmt(of((r) => r.express.p99))} | 1.00× | 1.00× |`,
  );
  for (const [label, pick] of [
    ['kommhook on PostgreSQL, one instance', (r: (typeof rounds)[number]) => r.pg1],
    ['kommhook on PostgreSQL, two instances (round-robin)', (r: (typeof rounds)[number]) => r.pg2],
  ] as const) {
    log(
      `| ${label} | ${fmt(of((r) => pick(r).rps))} | ${fmt(of((r) => pick(r).p50))} | ${fmt(of((r) => pick(r).p99))} | ` +
        `${fmt(
          of((r) => pick(r).rps / r.express.rps),
          2,
        )}× | ${fmt(
          of((r) => pick(r).p99 / Math.max(r.express.p99, 1)),
          2,
        )}× |`,
    );
  }
  log();
  log(
    `Two instances: every delivery \`done\` ${fmt(
      of((r) => r.drain2),
      2,
    )} s after the load stopped (median).`,
  );
  log();
}

async function drained(unfinished: () => Promise<number>, limitSeconds = 120): Promise<number> {
  const started = Date.now();
  while ((await unfinished()) > 0) {
    if (Date.now() - started > limitSeconds * 1000) return Infinity;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (Date.now() - started) / 1000;
}

/** Starts kommhook on `dir` once (so it migrates its schema) and stops it. */
async function withServerAt(dir: string, sink: Sink): Promise<void> {
  const server = await startServer(spec('kommhook', dir, sink), await freePort());
  await server.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
