import BetterSqlite3 from 'better-sqlite3';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  freePort,
  killService,
  ServiceProcess,
  sleep,
  startService,
  tail,
  waitReady,
} from './crash/support/service-process';
import { basic, message, newDataDir, removeDataDir } from './support/test-app';

jest.setTimeout(90_000);

const TOKEN = 'shutdown-test-token-0123456789';
/** No client sends more than this many, whatever happens. */
const MAX_PER_CLIENT = 40;

interface Tally {
  /** Keys answered 200 (accepted or duplicate): each must be stored. */
  accepted: string[];
  /** Answers received before and after the test sent the signal. */
  answeredBefore: number;
  answeredAfter: number;
  /** Answers by status. */
  statuses: Record<number, number>;
  /** Answers per client. */
  perClient: number[];
  /** Refused connections once the listener had closed: the request was never sent. */
  refused: number;
  /** Anything else: a request sent and never answered. */
  resets: string[];
  signalled: boolean;
}

/**
 * One POST over the agent; resolves with the status or rejects with the socket error.
 * `onSent`: the request is all in the kernel's hands.
 */
function post(agent: Agent, port: number, body: string, onSent?: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/message/forward',
        method: 'POST',
        agent,
        headers: {
          Authentication: basic(TOKEN),
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
        timeout: 20_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    if (onSent) req.on('finish', onSent);
    req.end(body);
  });
}

/**
 * Posts one webhook, waits until every client has its connection (`allConnected`),
 * then posts back to back until the service refuses the connection (or the cap).
 */
async function client(
  agent: Agent,
  port: number,
  tally: Tally,
  index: number,
  allConnected: Promise<void>,
): Promise<void> {
  for (let i = 0; i < MAX_PER_CLIENT; i++) {
    if (i === 1) await allConnected;
    const payload = message();
    try {
      const status = await post(agent, port, JSON.stringify(payload));
      if (tally.signalled) tally.answeredAfter += 1;
      else tally.answeredBefore += 1;
      tally.perClient[index] += 1;
      tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
      if (status === 200) tally.accepted.push(payload.key);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (code === 'ECONNREFUSED') tally.refused += 1;
      else tally.resets.push(code);
      return;
    }
  }
}

function storedKeys(dataDir: string): Set<string> {
  const db = new BetterSqlite3(join(dataDir, 'kommhook.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select key from messages').all() as { key: string }[];
    return new Set(rows.map((row) => row.key));
  } finally {
    db.close();
  }
}

describe('graceful shutdown (the service as a child process)', () => {
  let dataDir: string;
  let service: ServiceProcess | undefined;

  beforeEach(() => {
    dataDir = newDataDir();
  });

  afterEach(async () => {
    await killService(service);
    service = undefined;
    removeDataDir(dataDir);
  });

  it.each([
    ['SIGTERM', 50],
    ['SIGINT', 20],
  ] as const)(
    '%s with %i keep-alive clients posting: no request reset, every 200 stored, one log line, exit 0',
    async (signal, clients) => {
      const port = await freePort();
      service = startService(
        'shutdown',
        port,
        {
          DATA_DIR: dataDir,
          WEBHOOK_TOKENS: TOKEN,
          ADMIN_TOKEN: 'shutdown-test-admin-0123456789',
          RATE_LIMIT_PER_MINUTE: '0',
        },
        { fromSource: true },
      );
      await waitReady(service);

      const agent = new Agent({ keepAlive: true, maxSockets: clients });
      const tally: Tally = {
        accepted: [],
        answeredBefore: 0,
        answeredAfter: 0,
        statuses: {},
        perClient: Array<number>(clients).fill(0),
        refused: 0,
        resets: [],
        signalled: false,
      };
      let connected = (): void => undefined;
      const allConnected = new Promise<void>((resolve) => (connected = resolve));
      const running = Array.from({ length: clients }, (_, i) =>
        client(agent, port, tally, i, allConnected),
      );
      while (tally.perClient.some((answers) => answers < 1)) await sleep(5);
      connected();
      // Every client is posting back to back on its keep-alive connection.
      while (tally.answeredBefore < clients * 3) await sleep(1);
      tally.signalled = true;
      service.child.kill(signal);
      await Promise.all(running);
      const exit = await service.exited;
      agent.destroy();

      const output = service.output();
      const shutdownLines = output
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"context":"Shutdown"'));
      console.log(
        `${signal}, ${clients} clients: ${tally.answeredBefore} answered before the signal, ` +
          `${tally.answeredAfter} after, ${tally.refused} refused after the listener closed, ` +
          `${tally.resets.length} reset (${tally.resets.join(', ') || 'none'}); statuses ${JSON.stringify(tally.statuses)}\n` +
          shutdownLines.join('\n'),
      );

      if (tally.resets.length > 0 || exit.code !== 0) console.log(tail(output));
      expect({ resets: tally.resets, exit }).toEqual({
        resets: [],
        exit: { code: 0, signal: null },
      });
      expect(tally.statuses).toEqual({ 200: tally.answeredBefore + tally.answeredAfter });
      // Every client ended on a refused connection: none was left hanging or cut off.
      expect(tally.refused).toBe(clients);
      const stored = storedKeys(dataDir);
      expect(tally.accepted.filter((key) => !stored.has(key))).toEqual([]);

      expect(shutdownLines).toHaveLength(1);
      const line = JSON.parse(shutdownLines[0]) as Record<string, unknown>;
      expect(line).toMatchObject({
        signal,
        requestsAnswered: expect.any(Number) as number,
        requestsCutOff: 0,
        deliveriesFinished: expect.any(Number) as number,
        deliveriesReleased: expect.any(Number) as number,
        durationMs: expect.any(Number) as number,
      });
      // Each connection carried at least one more request, answered with Connection: close; the
      // clients also count answers sent before the service got to the signal.
      expect(line.requestsAnswered).toBeGreaterThanOrEqual(clients);
      expect(line.requestsAnswered).toBeLessThanOrEqual(tally.answeredAfter);
      expect(String(line.msg)).toMatch(new RegExp(`^shut down on ${signal} in \\d+ ms`));
    },
  );

  it('connections queued when SIGTERM arrives are served, and running deliveries finish or are released', async () => {
    const QUEUED = 20;
    // A slow notification receiver: deliveries are running and queued at the signal.
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(204).end(), 500));
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const port = await freePort();
      service = startService(
        'shutdown',
        port,
        {
          DATA_DIR: dataDir,
          WEBHOOK_TOKENS: TOKEN,
          ADMIN_TOKEN: 'shutdown-test-admin-0123456789',
          NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/notify`,
          DELIVERY_CONCURRENCY: '2',
        },
        { fromSource: true },
      );
      await waitReady(service);
      // Stopped, the service cannot accept: the kernel queues the connections, requests and all.
      service.child.kill('SIGSTOP');
      const payloads = Array.from({ length: QUEUED }, () => message({ receiverConnected: false }));
      const agent = new Agent({ keepAlive: false });
      let sent = 0;
      const answers = payloads.map((payload) =>
        post(agent, port, JSON.stringify(payload), () => (sent += 1)).then(
          (status) => ({ status, code: '' }),
          (error: NodeJS.ErrnoException) => ({ status: 0, code: error.code ?? error.message }),
        ),
      );
      while (sent < QUEUED) await sleep(10);
      service.child.kill('SIGTERM');
      service.child.kill('SIGCONT');
      const results = await Promise.all(answers);
      const exit = await service.exited;

      const output = service.output();
      const line = output
        .split('\n')
        .filter((text) => text.startsWith('{') && text.includes('"context":"Shutdown"'));
      console.log(
        `queued at SIGTERM: ${JSON.stringify(results.map((r) => r.status || r.code))}\n${line.join('\n')}`,
      );
      expect(exit).toEqual({ code: 0, signal: null });
      expect(results).toEqual(payloads.map(() => ({ status: 200, code: '' })));
      const stored = storedKeys(dataDir);
      expect(payloads.filter((payload) => !stored.has(payload.key))).toEqual([]);

      expect(line).toHaveLength(1);
      const fields = JSON.parse(line[0]) as Record<string, number>;
      expect(fields.requestsAnswered).toBe(QUEUED);
      // Two attempts run at once: those running at the signal finished, the queued went back to
      // the store, due now.
      expect(fields.deliveriesFinished).toBe(2);
      expect(fields.deliveriesReleased).toBeGreaterThan(0);
      const db = new BetterSqlite3(join(dataDir, 'kommhook.sqlite'), { readonly: true });
      try {
        const notifications = db
          .prepare(
            "select status, count(*) as n from deliveries where listener like 'notifications.%' group by status",
          )
          .all() as { status: string; n: number }[];
        // None left `running`: each one finished, or is due again for the next start.
        const byStatus = Object.fromEntries(notifications.map((row) => [row.status, row.n]));
        expect(byStatus).toEqual({
          done: QUEUED - fields.deliveriesReleased,
          pending: fields.deliveriesReleased,
        });
      } finally {
        db.close();
      }
    } finally {
      await new Promise((resolve) => sink.close(resolve));
    }
  });
});
