/** The command line: options and their defaults, Ctrl-C, the exit code. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SESSION_GAP_MS } from '../support-oracle';
import { DEFAULT_HISTORY_MS, DEFAULT_SEED } from '../traffic';
import { progressReporter } from './progress';
import { formatSummary } from './report';
import { runSimulation, SimulationOptions } from './runner';

export const DEFAULT_URL = 'http://127.0.0.1:3000/message/forward';

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

Support mode (either of --agents, --bots): conversations become support
exchanges; agents and bots answer with realistic delays, some customers wait in
vain, and the summary prints the expected first response and reply times. The
time stamps are the simulated times over the last days, not the send times:
start kommhook with SUPPORT_AGENTS=agent-* SUPPORT_BOTS=bot-* to compare.

  --agents <n>           human agents agent-1..agent-<n> (default 0)
  --bots <n>             bots bot-1..bot-<n> that answer some customers first (default 0)
  --days <n>             how many days back the conversations go (default ${DEFAULT_HISTORY_MS / 86_400_000})
  --session-gap <time>   the session gap the expected figures assume, e.g. 24h, 30m
                         (default ${DEFAULT_SESSION_GAP_MS / 3_600_000}h, as the server's SUPPORT_SESSION_GAP)

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

/** `90s`, `30m`, `24h` as milliseconds. */
function durationOption(name: string, text: string): number {
  const match = /^(\d{1,6})(s|m|h)$/.exec(text.trim());
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 };
  const ms = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : 0;
  if (ms <= 0) {
    throw new UsageError(`--${name} must be a duration such as 24h, 30m or 90s, got "${text}"`);
  }
  return ms;
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
        agents: { type: 'string' },
        bots: { type: 'string' },
        days: { type: 'string' },
        'session-gap': { type: 'string' },
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
  const agents = integerOption('agents', values.agents ?? '0', 0, 10_000);
  const bots = integerOption('bots', values.bots ?? '0', 0, 1_000);
  if (agents + bots === 0 && (values.days !== undefined || values['session-gap'] !== undefined)) {
    throw new UsageError('--days and --session-gap need support mode: --agents or --bots');
  }
  const days = integerOption(
    'days',
    values.days ?? String(DEFAULT_HISTORY_MS / 86_400_000),
    1,
    365,
  );
  const sessionGapMs =
    values['session-gap'] === undefined
      ? DEFAULT_SESSION_GAP_MS
      : durationOption('session-gap', values['session-gap']);

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
    ...(agents + bots > 0 ? { agents, bots, historyMs: days * 86_400_000, sessionGapMs } : {}),
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
