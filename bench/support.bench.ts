/*
 * npm run bench (second part) — support metrics over a large store.
 *
 * Boots the real app on a fresh SQLite store and records BENCH_MESSAGES
 * support messages (default 1,000,000: 20,000 conversations over 30 days,
 * customers, 12 agents and 2 bots answering after realistic delays) through
 * the support listener's own store path (SupportStore.record, the write the
 * `support.sessions` listener makes), so sessions and waits are what the
 * live path computes. Then times the support endpoints over HTTP on
 * 127.0.0.1: 20 sequential calls each after one warm-up call.
 *
 * No target is set by the issue: it asks for the time of a 30-day summary.
 * The full run writes its table into docs/benchmarks.md.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { format, resolveConfig } from 'prettier';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { SupportRoles } from '../src/support';
import type { ClassifiedMessage } from '../src/support/support-store';
import { SupportStore } from '../src/support/support-store';
import { describeMachine, replaceSection } from './support/report';
import { mulberry32, timeGet } from './support/timing';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const FULL_RUN = 1_000_000;
const DAYS = 30;
const CONVERSATIONS = Math.max(10, Math.round(MESSAGES / 50));
const RUNS = 20;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Conversations recorded per store write: each recomputes once per write. */
const CONVERSATIONS_PER_WRITE = 100;

/** Log-normal with the given median: most answers in minutes, a tail into hours. */
const logNormal = (random: () => number, medianMs: number, sigma = 1.1): number => {
  const u = Math.max(random(), 1e-9);
  const v = random();
  return medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
};

/** One conversation's messages: sessions of customer messages and answers, in time order. */
function conversation(
  index: number,
  count: number,
  end: number,
): Omit<ClassifiedMessage, 'role' | 'reason'>[] {
  const random = mulberry32(index + 1);
  const key = `group:${500_000 + index}`;
  const customer = `customer-${index}`;
  const messages: Omit<ClassifiedMessage, 'role' | 'reason'>[] = [];
  let at = end - DAYS * DAY + random() * 2 * DAY;
  let turn = 0;
  while (messages.length < count && at < end) {
    // A session: the customer writes, maybe a bot first, then agents and the customer in turns.
    const agent = `agent-${1 + Math.floor(random() * 12)}`;
    const exchanges = 2 + Math.floor(random() * 6);
    for (let n = 0; n < exchanges && messages.length < count; n++) {
      messages.push({
        key: `${key}-${turn++}`,
        conversationKey: key,
        sender: customer,
        at,
        metadata: {},
      });
      if (n === 0 && random() < 0.3) {
        at += 1_000 + random() * 5_000;
        messages.push({
          key: `${key}-${turn++}`,
          conversationKey: key,
          sender: 'bot-1',
          at,
          metadata: {},
        });
      }
      if (random() < 0.08) break; // left unanswered
      at += logNormal(random, n === 0 ? 3 * MINUTE : 90_000);
      if (messages.length < count) {
        messages.push({
          key: `${key}-${turn++}`,
          conversationKey: key,
          sender: agent,
          at,
          metadata: {},
        });
      }
      at += 10_000 + random() * 20 * MINUTE;
    }
    at += 26 * HOUR + random() * 4 * DAY; // the next session, after the gap
  }
  return messages;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const dir = mkdtempSync(join(tmpdir(), 'kommhook-bench-support-'));
  try {
    Object.assign(process.env, {
      DATA_DIR: dir,
      ADMIN_TOKEN,
      WEBHOOK_TOKENS: 'bench-webhook-token-0123456789',
      LOG_LEVEL: 'warn',
      SUPPORT_AGENTS: 'agent-*',
      SUPPORT_BOTS: 'bot-*',
      SUPPORT_BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
    });
    const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
      bodyParser: false,
      bufferLogs: true,
    });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const store = app.get(SupportStore, { strict: false });
    const roles = app.get(SupportRoles, { strict: false });

    const started = performance.now();
    const perConversation = Math.ceil(MESSAGES / CONVERSATIONS);
    let recorded = 0;
    for (let first = 0; first < CONVERSATIONS; first += CONVERSATIONS_PER_WRITE) {
      const batch: ClassifiedMessage[] = [];
      for (
        let index = first;
        index < Math.min(first + CONVERSATIONS_PER_WRITE, CONVERSATIONS);
        index++
      ) {
        const want = Math.min(perConversation, MESSAGES - recorded - batch.length);
        for (const message of conversation(index, want, end)) {
          batch.push({ ...message, ...roles.classify(message.sender, message.metadata) });
        }
      }
      await store.record(batch);
      recorded += batch.length;
      if (first % (CONVERSATIONS_PER_WRITE * 20) === 0) {
        process.stderr.write(`\rrecorded ${recorded.toLocaleString('en')} messages`);
      }
    }
    const seedSeconds = (performance.now() - started) / 1000;
    const size = statSync(join(dir, 'kommhook.sqlite')).size / 1e6;
    console.log(
      `\nrecorded ${recorded.toLocaleString('en')} messages of ${CONVERSATIONS.toLocaleString('en')} conversations through SupportStore.record in ${seedSeconds.toFixed(0)} s (${Math.round(recorded / seedSeconds).toLocaleString('en')} messages/s); store ${size.toFixed(0)} MB`,
    );

    const { port } = app.getHttpServer().address() as AddressInfo;
    const base = `http://127.0.0.1:${port}/api/support`;
    const iso = (at: number): string => new Date(at).toISOString();
    const month = `since=${iso(end - DAYS * DAY)}&until=${iso(end + HOUR)}`;
    const week = `since=${iso(end - 15 * DAY)}&until=${iso(end - 8 * DAY)}`;
    const cases: [string, string][] = [
      ['summary, 30 days', `${base}/summary?${month}`],
      ['summary, 7 days mid-month', `${base}/summary?${week}`],
      ['response times, 30 days', `${base}/response-times?${month}`],
      ['heatmap, 30 days, Europe/Berlin', `${base}/heatmap?${month}&tz=Europe%2FBerlin`],
      ['worst waits, 30 days', `${base}/waits?${month}`],
    ];
    const results: { name: string; p50: number; p95: number; max: number }[] = [];
    for (const [name, url] of cases) {
      const result = { name, ...(await timeGet(url, ADMIN_TOKEN, RUNS)) };
      results.push(result);
      console.log(
        `${name.padEnd(36)} p50 ${result.p50.toFixed(1)} ms  p95 ${result.p95.toFixed(1)} ms`,
      );
    }
    const sessions = (
      (await (
        await fetch(`${base}/summary?${month}`, {
          headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).json()) as {
        sessions: { started: number };
      }
    ).sessions.started;
    await app.close();

    const table = [
      `## Support metrics (\`npm run bench\`)`,
      '',
      describeMachine(false),
      '',
      `${recorded.toLocaleString('en')} messages of ${CONVERSATIONS.toLocaleString('en')} conversations over ${DAYS} days (${sessions.toLocaleString('en')} sessions in the 30-day range), recorded through the support listener's store path in ${seedSeconds.toFixed(0)} s. ${RUNS} sequential calls per endpoint over HTTP on 127.0.0.1 after one warm-up call; ms.`,
      '',
      '| Endpoint | p50 | p95 | max |',
      '| --- | ---: | ---: | ---: |',
      ...results.map(
        (r) => `| ${r.name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} |`,
      ),
    ].join('\n');
    if (MESSAGES === FULL_RUN) {
      const file = join(__dirname, '..', 'docs', 'benchmarks.md');
      const options = await resolveConfig(file);
      await replaceSection(
        file,
        'support',
        await format(table, { ...options, parser: 'markdown' }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
