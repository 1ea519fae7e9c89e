/*
 * One autocannon run, as its own process so that the bench can pin it to a
 * core of its own. Reads its options as JSON from argv[2], prints the result
 * as one JSON line. Every request carries a fresh key, so every one is new.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly token: string;
  readonly connections: number;
  /** Seconds; ignored when `amount` is set. */
  readonly duration?: number;
  /** Exactly this many requests. */
  readonly amount?: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  readonly rate?: number;
  /** Makes keys unique across runs against one store. */
  readonly prefix: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
}

/** A Kommunicate text message; one in ten was sent while nobody was online. */
export function webhookBody(prefix: string, n: number): string {
  const groupId = 100_000 + Math.floor(n / 20);
  return JSON.stringify({
    key: `5-${prefix}-${n}`,
    from: n % 2 === 0 ? `visitor-${groupId}` : 'agent-7',
    groupId,
    clientGroupId: String(groupId),
    groupName: 'Conversation',
    message: `message ${n} of the benchmark, about as long as a chat line`,
    timeStamp: Date.now(),
    receiverConnected: n % 10 !== 0,
    receiverLastSeenAtTime: Date.now() - 60_000,
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as LoadOptions;
  let n = 0;
  const started = Date.now();
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration ?? 10,
    amount: options.amount,
    overallRate: options.rate,
    timeout: 30,
    headers: {
      'content-type': 'application/json',
      authentication: `Basic ${Buffer.from(options.token).toString('base64')}`,
    },
    requests: [
      { setupRequest: (request) => ({ ...request, body: webhookBody(options.prefix, n++) }) },
    ],
  });
  const seconds = (Date.now() - started) / 1000;
  const out: LoadResult = {
    requests: result.requests.total,
    rps: result.requests.total / Math.max(result.duration, 0.001),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
