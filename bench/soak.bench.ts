/*
 * npm run bench:soak — kommhook under steady load for ten minutes: its
 * resident memory must stay flat and under 250 MB.
 *
 * Measures kommhook's full-speed rate first (50 connections, 10 s), then
 * runs at half of it for BENCH_SOAK_SECONDS (default 600), sampling RSS every
 * 10 s. "Flat" compares the mean of the last minute with the mean of the
 * second minute (the first is warm-up): within 10%. The delivery backlog is
 * sampled too: it must not grow. Server on core 0, load on core 1.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, replaceSection } from './support/report';
import {
  freePort,
  hasTaskset,
  kommhookArgs,
  pinSelf,
  ROOT,
  runLoad,
  startServer,
} from './support/processes';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const SAMPLE_MS = 10_000;
const TOKEN = 'bench-webhook-token-0123456789';
const TARGETS = { rssMb: 250, drift: 0.1 };

const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

async function main(): Promise<void> {
  pinSelf();
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'kommhook-soak-'));
  const port = await freePort();
  const server = await startServer(
    {
      name: 'kommhook',
      args: kommhookArgs(),
      env: {
        DATA_DIR: join(dir, 'data'),
        WEBHOOK_TOKENS: TOKEN,
        ADMIN_TOKEN: 'bench-admin-token-0123456789',
        HOST: '127.0.0.1',
        RATE_LIMIT_PER_MINUTE: '0',
        NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`,
      },
      cwd: dir,
      ready: /kommhook is listening/,
    },
    port,
  );
  const url = `http://127.0.0.1:${port}/message/forward`;
  const lines: string[] = [];
  const failures: string[] = [];
  try {
    const peak = await runLoad({
      url,
      token: TOKEN,
      connections: 50,
      duration: 10,
      prefix: 'soak-peak',
    });
    const rate = Math.floor(peak.rps / 2);
    console.error(
      `full speed ${Math.round(peak.rps)} req/s; soaking at ${rate} req/s for ${SECONDS} s`,
    );

    const db = new BetterSqlite3(join(dir, 'data', 'kommhook.sqlite'), { readonly: true });
    const samples: { at: number; rss: number; backlog: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      const { n } = db
        .prepare(
          "select count(*) as n from deliveries where status in ('pending', 'running', 'failed', 'dead')",
        )
        .get() as { n: number };
      samples.push({ at: (Date.now() - started) / 1000, rss: server.rssMb(), backlog: n });
    }, SAMPLE_MS);
    const soak = await runLoad({
      url,
      token: TOKEN,
      connections: 50,
      duration: SECONDS,
      rate,
      prefix: 'soak',
    });
    clearInterval(sampler);
    db.close();

    const minute = (from: number, to: number) => samples.filter((s) => s.at > from && s.at <= to);
    const early = minute(60, 120);
    const late = minute(SECONDS - 60, SECONDS);
    const drift = mean(late.map((s) => s.rss)) / mean(early.map((s) => s.rss)) - 1;
    const maxRss = Math.max(...samples.map((s) => s.rss));
    lines.push(
      `Full speed ${Math.round(peak.rps).toLocaleString('en-US')} req/s; soak at ${rate.toLocaleString('en-US')} req/s ` +
        `for ${SECONDS} s: ${soak.requests.toLocaleString('en-US')} webhooks, p99 ${soak.p99} ms, ` +
        `${soak.non2xx} non-2xx, ${soak.errors} errors.`,
      '',
      `RSS: ${mean(early.map((s) => s.rss)).toFixed(0)} MB in the second minute, ${mean(late.map((s) => s.rss)).toFixed(0)} MB in the last ` +
        `(${(drift * 100).toFixed(1)}%, target within ±${TARGETS.drift * 100}%); highest sample ${maxRss.toFixed(0)} MB ` +
        `(target ≤ ${TARGETS.rssMb} MB); peak ${server.peakRssMb().toFixed(0)} MB.`,
      '',
      `Deliveries not yet done, sampled every ${SAMPLE_MS / 1000} s: ` +
        `${samples.map((s) => s.backlog).join(', ')}.`,
    );
    if (Math.abs(drift) > TARGETS.drift) failures.push(`RSS drifted ${(drift * 100).toFixed(1)}%`);
    if (maxRss > TARGETS.rssMb) failures.push(`RSS ${maxRss.toFixed(0)} MB > ${TARGETS.rssMb} MB`);
    if (soak.non2xx > 0 || soak.errors > 0) failures.push('errors during the soak');
  } finally {
    await server.stop();
    sink.closeAllConnections();
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
  lines.push(
    '',
    failures.length === 0 ? 'All targets met.' : `Targets missed: ${failures.join('; ')}.`,
  );
  for (const line of lines) console.log(line);
  await replaceSection(
    join(ROOT, 'docs', 'benchmarks.md'),
    'soak',
    ['## Soak (`npm run bench:soak`)', '', describeMachine(hasTaskset), '', ...lines].join('\n'),
  );
  if (failures.length > 0) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
