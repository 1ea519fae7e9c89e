/**
 * Fuzzes the webhook with generated and mutated bodies (scripts/webhook-fuzz.ts):
 *
 *   npm run fuzz -- --count 100000 --seed 7
 *   npm run fuzz -- --url http://127.0.0.1:3000/message/forward --token <webhook token> \
 *     [--admin-token <admin token>]
 *
 * Without --url it boots the app itself, in this process, on a fresh SQLite
 * store in a temporary directory, with rate limiting off; it then also checks
 * that the stored rows grew by exactly the number of `accepted` answers and
 * that every accepted key can be read back. With --url and --admin-token it
 * reads the accepted keys back from that server.
 *
 * Prints the answers by status and code, and every 5xx or unanswered request
 * with the body that caused it. Exit code 0 when there were none (and every
 * check held), 1 otherwise, 2 on bad arguments.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { ADMIN_TOKEN, createTestApp, removeDataDir, WEBHOOK_TOKEN } from '../test/support/test-app';
import { formatFuzzSummary, FuzzSummary, runFuzz, unreadableKeys } from './webhook-fuzz';

const USAGE = `usage: npm run fuzz -- [--count N] [--seed S] [--concurrency N]
                        [--url URL --token TOKEN [--admin-token TOKEN]]
`;

interface CliOptions {
  count: number;
  seed: string;
  concurrency: number;
  url?: string;
  token?: string;
  adminToken?: string;
}

function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      count: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '8' },
      url: { type: 'string' },
      token: { type: 'string' },
      'admin-token': { type: 'string' },
    },
  });
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new Error('--count must be a whole number >= 1');
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new Error('--concurrency must be a whole number from 1 to 256');
  }
  if (values.url !== undefined && !values.token) throw new Error('--url needs --token');
  return {
    count,
    seed: values.seed,
    concurrency,
    url: values.url,
    token: values.token,
    adminToken: values['admin-token'],
  };
}

function progress(done: number, total: number): void {
  if (done % 1000 === 0 || done === total) process.stderr.write(`\rfuzz: ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

/** Against a server that is already running. */
async function fuzzUrl(options: CliOptions & { url: string; token: string }): Promise<number> {
  const summary = await runFuzz({ ...options, onProgress: progress });
  process.stdout.write(formatFuzzSummary(summary));
  let failed = summary.failures.length > 0;
  if (options.adminToken) {
    const base = new URL(options.url).origin;
    failed = (await reportUnreadable(base, options.adminToken, summary)) || failed;
  }
  return failed ? 1 : 0;
}

/** Against the app booted here, on a store of its own. */
async function fuzzOwnApp(options: CliOptions): Promise<number> {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  try {
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    const countRows = async (): Promise<number> =>
      Number(
        (
          await t.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await countRows();
    const summary = await runFuzz({
      ...options,
      url: `${base}/message/forward`,
      token: WEBHOOK_TOKEN,
      onProgress: progress,
    });
    process.stdout.write(formatFuzzSummary(summary));
    const grown = (await countRows()) - before;
    process.stdout.write(
      `  stored rows grew by ${grown} (accepted: ${summary.acceptedKeys.length})\n`,
    );
    const unreadable = await reportUnreadable(base, ADMIN_TOKEN, summary);
    return summary.failures.length > 0 || grown !== summary.acceptedKeys.length || unreadable
      ? 1
      : 0;
  } finally {
    await t.close();
    removeDataDir(t.dataDir);
  }
}

/** Prints the accepted keys that cannot be read back; true when there are any. */
async function reportUnreadable(
  base: string,
  adminToken: string,
  summary: FuzzSummary,
): Promise<boolean> {
  const missing = await unreadableKeys(base, adminToken, summary.acceptedKeys);
  process.stdout.write(
    `  accepted keys not readable via GET /api/messages/:key: ${missing.length}\n`,
  );
  for (const key of missing.slice(0, 20)) process.stdout.write(`    ${JSON.stringify(key)}\n`);
  return missing.length > 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(
      `fuzz: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  return options.url !== undefined && options.token !== undefined
    ? fuzzUrl({ ...options, url: options.url, token: options.token })
    : fuzzOwnApp(options);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
