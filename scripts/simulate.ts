/**
 * Posts realistic Kommunicate webhook traffic at a running kommhook, for
 * demos, for the dashboard and as load:
 *
 *   npm run simulate -- --url http://127.0.0.1:3000/message/forward --token <webhook token> \
 *     --messages 5000 --conversations 200 --rate 100
 *
 * Progress goes to stderr, the summary to stdout. Exit code 0 when every
 * request got its expected answer (duplicates for redeliveries are expected),
 * 1 when some did not, 2 on bad arguments, 130 when interrupted (Ctrl-C).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, generateTraffic, stampedAt, TrafficItem } from './traffic';

export const DEFAULT_URL = 'http://127.0.0.1:3000/message/forward';

export interface SimulationOptions {
  url: string;
  token: string;
  /** Requests, redeliveries included. */
  messages: number;
  conversations: number;
  /** Requests started per second; 0 = as fast as `concurrency` allows. */
  rate: number;
  /** Requests in flight at most. */
  concurrency: number;
  seed: number | string;
  /** Per request; a request that takes longer counts as a network error. */
  timeoutMs?: number;
  /**
   * Epoch ms the plan (keys, due times) starts at; now when left out. Each
   * payload is stamped when it is sent, its planned webhook delay before that.
   */
  startTime?: number;
  /** Aborting stops sending new requests; those in flight finish. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
}

export interface Progress {
  total: number;
  /** Requests answered or failed. */
  done: number;
  accepted: number;
  duplicate: number;
  failed: number;
  elapsedMs: number;
}

export interface SimulationSummary {
  url: string;
  seed: number | string;
  startTime: number;
  planned: { requests: number; redeliveries: number; conversations: number };
  targetRate: number;
  concurrency: number;
  /** Requests that got an answer or failed (fewer than planned when interrupted). */
  sent: number;
  accepted: number;
  duplicate: number;
  /** Redeliveries among the requests sent: the duplicates to expect on an empty store. */
  redeliveriesSent: number;
  /** First deliveries answered `duplicate`: the store already had the key (same seed and start time). */
  unexpectedDuplicates: number;
  /** Non-200 answers by status and error code, with the first message seen. */
  rejected: { status: number; code: string; count: number; message: string }[];
  /** Requests that got no answer, by reason. */
  networkErrors: { reason: string; count: number }[];
  /** 200 answers that were not `{status: accepted|duplicate, key}` for the key sent. */
  unexpectedAnswers: number;
  /** rejected + network errors + unexpected answers. */
  failed: number;
  interrupted: boolean;
  durationMs: number;
  /** Requests completed per second. */
  achievedRate: number;
  /** Of the requests that got an answer. */
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
}

/** The traffic a run with these options sends: due times spread at `rate` from `startTime`. */
export function trafficFor(
  options: Pick<SimulationOptions, 'messages' | 'conversations' | 'rate' | 'seed'> & {
    startTime: number;
  },
): TrafficItem[] {
  return generateTraffic({
    messages: options.messages,
    conversations: options.conversations,
    seed: options.seed,
    startTime: options.startTime,
    spreadMs: options.rate > 0 ? (options.messages * 1000) / options.rate : 0,
  });
}

const basic = (token: string): string => `Basic ${Buffer.from(token).toString('base64')}`;

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index];
}

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timeout (${timeoutMs} ms)`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Sends the traffic and tells what came back. Never throws for what the server answers. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const startTime = options.startTime ?? Date.now();
  const items = trafficFor({ ...options, startTime });
  const headers = {
    Authentication: basic(options.token),
    'Content-Type': 'application/json',
  };

  const counts = { sent: 0, accepted: 0, duplicate: 0, unexpectedAnswers: 0 };
  let redeliveriesSent = 0;
  let unexpectedDuplicates = 0;
  const rejected = new Map<
    string,
    { status: number; code: string; count: number; message: string }
  >();
  const networkErrors = new Map<string, number>();
  const latencies: number[] = [];
  const failed = (): number =>
    [...rejected.values()].reduce((sum, entry) => sum + entry.count, 0) +
    [...networkErrors.values()].reduce((sum, count) => sum + count, 0) +
    counts.unexpectedAnswers;

  const started = performance.now();
  const progress = (): Progress => ({
    total: items.length,
    done: counts.sent,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    failed: failed(),
    elapsedMs: performance.now() - started,
  });
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 100)
    : undefined;

  // A redelivery is the very body its original went out with, time stamps included.
  const sentBodies = new Map<string, string>();

  async function send(item: TrafficItem, requestBody: string): Promise<void> {
    const begun = performance.now();
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers,
        body: requestBody,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      latencies.push(performance.now() - begun);
      let body: { status?: unknown; key?: unknown; code?: unknown; message?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // Kept as {}: judged by the status below.
      }
      if (response.status === 200) {
        if (body.key === item.payload.key && body.status === 'accepted') counts.accepted += 1;
        else if (body.key === item.payload.key && body.status === 'duplicate') {
          counts.duplicate += 1;
          if (!item.redelivery) unexpectedDuplicates += 1;
        } else counts.unexpectedAnswers += 1;
      } else {
        const code = typeof body.code === 'string' ? body.code : '-';
        const id = `${response.status} ${code}`;
        const entry = rejected.get(id) ?? {
          status: response.status,
          code,
          count: 0,
          message: typeof body.message === 'string' ? body.message : text.slice(0, 200),
        };
        entry.count += 1;
        rejected.set(id, entry);
      }
    } catch (error) {
      const reason = networkReason(error, timeoutMs);
      networkErrors.set(reason, (networkErrors.get(reason) ?? 0) + 1);
    } finally {
      counts.sent += 1;
      if (item.redelivery) redeliveriesSent += 1;
    }
  }

  // A redelivery goes out only once its original has been answered, so that
  // the original is the one accepted and the copy the one answered `duplicate`.
  const redelivered = new Set(
    items.filter((item) => item.redelivery).map((item) => item.payload.key),
  );
  const originals = new Map<string, Promise<void>>();

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!options.signal?.aborted && next < items.length) {
      const item = items[next];
      next += 1;
      const wait = started + item.sendOffsetMs - performance.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal: options.signal });
        } catch {
          return; // interrupted while waiting: this one is not sent
        }
      }
      const { key } = item.payload;
      if (item.redelivery) {
        await originals.get(key);
        originals.delete(key);
        const body = sentBodies.get(key) ?? JSON.stringify(item.payload);
        sentBodies.delete(key);
        await send(item, body);
      } else {
        const body = JSON.stringify(stampedAt(item, startTime, Date.now()));
        const sending = send(item, body);
        if (redelivered.has(key)) {
          originals.set(key, sending);
          sentBodies.set(key, body);
        }
        await sending;
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  try {
    await Promise.all(Array.from({ length: workers }, () => worker()));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  options.onProgress?.(progress());

  const durationMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    url: options.url,
    seed: options.seed,
    startTime,
    planned: {
      requests: items.length,
      redeliveries: items.filter((item) => item.redelivery).length,
      conversations: new Set(items.map((item) => String(item.payload.groupId))).size,
    },
    targetRate: options.rate,
    concurrency: options.concurrency,
    ...counts,
    redeliveriesSent,
    unexpectedDuplicates,
    rejected: [...rejected.values()].sort((a, b) => b.count - a.count),
    networkErrors: [...networkErrors]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count),
    failed: failed(),
    interrupted: options.signal?.aborted === true && counts.sent < items.length,
    durationMs: round(durationMs),
    achievedRate: round(durationMs > 0 ? (counts.sent * 1000) / durationMs : 0),
    latencyMs:
      latencies.length === 0
        ? null
        : {
            p50: round(percentile(latencies, 0.5), 2),
            p95: round(percentile(latencies, 0.95), 2),
            p99: round(percentile(latencies, 0.99), 2),
            max: round(latencies[latencies.length - 1], 2),
          },
  };
}

// ---------------------------------------------------------------- output

const pad = (value: string | number, width: number): string => String(value).padStart(width);

export function formatSummary(summary: SimulationSummary): string {
  const lines: string[] = [];
  const planned = summary.planned;
  lines.push(
    `${summary.interrupted ? 'Simulation interrupted' : 'Simulation finished'}: ${summary.url}`,
    `  seed ${summary.seed}, ${planned.requests} requests planned over ${planned.conversations} conversations ` +
      `(${planned.redeliveries} redeliveries), rate ${summary.targetRate > 0 ? `${summary.targetRate}/s` : 'unlimited'}, ` +
      `concurrency ${summary.concurrency}`,
    '',
    `  sent             ${pad(summary.sent, 7)}${summary.interrupted ? ` of ${planned.requests}` : ''}`,
    `  accepted         ${pad(summary.accepted, 7)}`,
    `  duplicate        ${pad(summary.duplicate, 7)}   (${summary.redeliveriesSent} redeliveries sent)`,
  );
  const rejectedTotal = summary.rejected.reduce((sum, entry) => sum + entry.count, 0);
  lines.push(`  rejected         ${pad(rejectedTotal, 7)}`);
  for (const entry of summary.rejected) {
    lines.push(
      `    ${entry.status} ${entry.code.padEnd(32)} ${pad(entry.count, 6)}   ${entry.message}`,
    );
  }
  const networkTotal = summary.networkErrors.reduce((sum, entry) => sum + entry.count, 0);
  lines.push(`  network errors   ${pad(networkTotal, 7)}`);
  for (const entry of summary.networkErrors) {
    lines.push(`    ${entry.reason.padEnd(36)} ${pad(entry.count, 6)}`);
  }
  if (summary.unexpectedAnswers > 0) {
    lines.push(
      `  unexpected 200   ${pad(summary.unexpectedAnswers, 7)}   (not {status, key} for the key sent)`,
    );
  }
  const latency = summary.latencyMs;
  lines.push(
    '',
    `  duration         ${pad((summary.durationMs / 1000).toFixed(2), 7)} s`,
    `  achieved rate    ${pad(summary.achievedRate.toFixed(1), 7)} requests/s`,
    latency
      ? `  latency          p50 ${latency.p50.toFixed(1)} ms  p95 ${latency.p95.toFixed(1)} ms  p99 ${latency.p99.toFixed(1)} ms  max ${latency.max.toFixed(1)} ms`
      : '  latency          -',
  );
  const notes: string[] = [];
  if (summary.unexpectedDuplicates > 0) {
    notes.push(
      `${summary.unexpectedDuplicates} first deliveries were answered "duplicate": the store already had ` +
        'those keys (a rerun with the same --seed and start time, or a second simulator at once?).',
    );
  }
  if (summary.rejected.some((entry) => entry.status === 429)) {
    notes.push(
      'The service limits webhook requests per client per minute (RATE_LIMIT_PER_MINUTE, default 6000): ' +
        'lower --rate, or start it with RATE_LIMIT_PER_MINUTE=0 for load tests.',
    );
  }
  if (summary.rejected.some((entry) => entry.status === 401)) {
    notes.push(
      "401: the token is not one of the service's WEBHOOK_TOKENS (see data/secrets.json).",
    );
  }
  if (notes.length > 0) lines.push('', ...notes.map((note) => `  note: ${note}`));
  lines.push(
    '',
    summary.failed === 0
      ? summary.interrupted
        ? 'INTERRUPTED: no failures so far'
        : 'OK: every request got its expected answer'
      : `FAILED: ${summary.failed} requests failed`,
  );
  return lines.join('\n') + '\n';
}

const BAR_WIDTH = 24;

/** A single updating line on a terminal; a plain line every few seconds otherwise. */
export function progressReporter(
  stream: NodeJS.WriteStream,
  lineEveryMs = 2_000,
): { update: (progress: Progress) => void; finish: () => void } {
  const tty = stream.isTTY === true;
  const samples: { at: number; done: number }[] = [];
  let lastLine = 0;
  let drawn = false;

  const describe = (progress: Progress): string => {
    const oldest = samples[0];
    const span = progress.elapsedMs - oldest.at;
    const rate = span > 0 ? ((progress.done - oldest.done) * 1000) / span : 0;
    const share = progress.total === 0 ? 1 : progress.done / progress.total;
    const eta = rate > 0 ? `${Math.ceil((progress.total - progress.done) / rate)}s` : '-';
    const counts =
      `${progress.done}/${progress.total} ${pad((share * 100).toFixed(0), 3)}%  ${pad(rate.toFixed(0), 5)}/s  ` +
      `accepted ${progress.accepted}  duplicate ${progress.duplicate}  errors ${progress.failed}  ETA ${eta}`;
    if (!tty) return `[simulate] ${counts}`;
    const filled = Math.round(share * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${counts}`;
  };

  return {
    update(progress) {
      // The rate is over the last two seconds or so.
      samples.push({ at: progress.elapsedMs, done: progress.done });
      while (samples.length > 2 && progress.elapsedMs - samples[1].at >= 2_000) samples.shift();
      if (tty) {
        const columns = stream.columns || 120; // 0 when the terminal size is unknown
        stream.write(`\r${describe(progress).slice(0, Math.max(20, columns - 1))}\x1b[K`);
        drawn = true;
      } else if (progress.elapsedMs - lastLine >= lineEveryMs) {
        lastLine = progress.elapsedMs;
        stream.write(`${describe(progress)}\n`);
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n');
    },
  };
}

// ---------------------------------------------------------------- command line

export const USAGE = `usage: npm run simulate -- [options]
       node -r ts-node/register/transpile-only scripts/simulate.ts [options]

Posts realistic Kommunicate webhook traffic (attachments, offline receivers,
system messages, redeliveries) at a running kommhook.

  --url <url>            webhook URL (default ${DEFAULT_URL})
  --token <token>        webhook token; default: $WEBHOOK_TOKEN, the first of
                         $WEBHOOK_TOKENS, else webhookToken in $DATA_DIR/secrets.json
                         (DATA_DIR defaults to ./data)
  --messages <n>         requests to send, redeliveries included (default 1000)
  --conversations <n>    conversations to spread them over (default 50)
  --rate <n>             requests per second, 0 = as fast as possible (default 50)
  --concurrency <n>      requests in flight at most (default 8)
  --seed <seed>          traffic seed: same seed, same conversations and texts (default ${DEFAULT_SEED})
  --timeout <ms>         per-request timeout (default 10000)
  --json                 print the summary as JSON
  --quiet                no progress output
  -h, --help             this help

Exit code: 0 every request got its expected answer (duplicates for
redeliveries are expected), 1 some did not, 2 bad arguments, 130 interrupted.
`;

export class UsageError extends Error {}

export interface CliOptions extends SimulationOptions {
  json: boolean;
  quiet: boolean;
}

function integerOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  const value = Number(text.trim());
  if (value < min || value > max)
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function defaultToken(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (env.WEBHOOK_TOKEN?.trim()) return env.WEBHOOK_TOKEN.trim();
  const first = env.WEBHOOK_TOKENS?.split(',')
    .map((token) => token.trim())
    .find(Boolean);
  if (first) return first;
  try {
    const file = join(cwd, env.DATA_DIR?.trim() || 'data', 'secrets.json');
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as { webhookToken?: unknown };
    return typeof secrets.webhookToken === 'string' ? secrets.webhookToken : undefined;
  } catch {
    return undefined;
  }
}

/** The command line as options; null for --help. Throws UsageError for anything wrong. */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): CliOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        messages: { type: 'string' },
        conversations: { type: 'string' },
        rate: { type: 'string' },
        concurrency: { type: 'string' },
        seed: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return null;

  const url = values.url ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }

  const rateText = values.rate ?? '50';
  const rate = Number(rateText);
  if (rateText.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1_000_000) {
    throw new UsageError(`--rate must be a number of requests per second >= 0, got "${rateText}"`);
  }
  const seedText = values.seed ?? String(DEFAULT_SEED);
  if (seedText.trim() === '') throw new UsageError('--seed must not be empty');

  const messages = integerOption('messages', values.messages ?? '1000', 1, 10_000_000);
  const conversations = integerOption('conversations', values.conversations ?? '50', 1, 1_000_000);
  const concurrency = integerOption('concurrency', values.concurrency ?? '8', 1, 1_000);
  const timeoutMs = integerOption('timeout', values.timeout ?? '10000', 1, 600_000);

  const token = values.token ?? defaultToken(env, cwd);
  if (!token) {
    throw new UsageError(
      'no webhook token: pass --token, set WEBHOOK_TOKEN, or run where data/secrets.json is',
    );
  }

  return {
    url,
    token,
    messages,
    conversations,
    rate,
    concurrency,
    seed: /^\d+$/.test(seedText) ? Number(seedText) : seedText,
    timeoutMs,
    json: values.json === true,
    quiet: values.quiet === true,
  };
}

/** The CLI: returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions | null;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`simulate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(USAGE);
    return 0;
  }

  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nsimulate: interrupted; waiting for the requests in flight (Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const reporter = options.quiet ? undefined : progressReporter(process.stderr);
  try {
    const summary = await runSimulation({
      ...options,
      signal: controller.signal,
      onProgress: reporter?.update,
    });
    reporter?.finish();
    process.stdout.write(
      options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary),
    );
    if (summary.interrupted) return 130;
    return summary.failed === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `simulate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
