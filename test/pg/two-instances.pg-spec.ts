import { rmSync } from 'node:fs';
import { crashMessages, sendAll } from '../crash/support/sender';
import {
  assertBuilt,
  freePort,
  killService,
  type ServiceProcess,
  sleep,
  startService,
  stopService,
  tail,
  waitReady,
} from '../crash/support/service-process';
import { NotificationSink } from '../crash/support/sink';
import { readCommitted, storeEnv } from '../support/store';
import { newDataDir } from '../support/test-app';

/*
 * Two built servers on one PostgreSQL schema, as behind a load balancer:
 * 2,000 webhooks spread over both, a fifth of them posted to both at once.
 * Every key is stored once, every delivery runs to `done` once (the sink
 * counts each Idempotency-Key), analytics counts exactly. Then one instance
 * is killed with SIGKILL under load: the survivor finishes its leased work.
 */

const RUN = `${process.pid}-${Date.now().toString(36)}-two`;
const WEBHOOK_TOKEN = 'two-instance-webhook-token-0123456789';
const ADMIN_TOKEN = 'two-instance-admin-token-0123456789ab';
const MESSAGES = 2_000;
const TO_BOTH_EVERY = 5;
const SETTLE_TIMEOUT_MS = 90_000;

interface DeliveryRow {
  id: string;
  message_key: string;
  event_name: string;
  listener: string;
  status: string;
}

describe('two instances on one PostgreSQL', () => {
  const dataDir = newDataDir();
  const sink = new NotificationSink({ hangShare: 0, hangMs: 0, slowFailMaxMs: 0 });
  const services: ServiceProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    sink.mode = 'succeeding';
    env = {
      ...(await storeEnv(dataDir)),
      WEBHOOK_TOKENS: WEBHOOK_TOKEN,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      NOTIFY_WEBHOOK_URL: await sink.listen(),
      DELIVERY_LEASE_MS: '2000',
      DELIVERY_POLL_MS: '100',
    };
    for (const name of ['instance A', 'instance B']) {
      const service = startService(name, await freePort(), { ...env, DATA_DIR: newDataDir() });
      services.push(service);
    }
    await Promise.all(services.map((service) => waitReady(service)));
  });

  afterAll(async () => {
    for (const service of services) await killService(service);
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const url = (service: ServiceProcess): string => `${service.baseUrl}/message/forward`;
  const deliveries = (): Promise<DeliveryRow[]> =>
    readCommitted<DeliveryRow>(
      dataDir,
      'select id, message_key, event_name, listener, status from deliveries',
    );

  /** Waits until every delivery of `keys` is done and at the sink, or fails with what is missing. */
  async function settled(
    keys: readonly string[],
    survivor: ServiceProcess,
  ): Promise<DeliveryRow[]> {
    const since = Date.now();
    const wanted = new Set(keys);
    for (;;) {
      const rows = (await deliveries()).filter((row) => wanted.has(row.message_key));
      const notDone = rows.filter((row) => row.status !== 'done');
      const notAtSink = keys.filter((key) => !sink.deliveredKeys.has(key));
      if (notDone.length === 0 && notAtSink.length === 0) return rows;
      if (Date.now() - since > SETTLE_TIMEOUT_MS || survivor.hasExited()) {
        throw new Error(
          `${notDone.length} deliveries not done, ${notAtSink.length} notifications missing:\n` +
            tail(survivor.output()),
        );
      }
      await sleep(250);
    }
  }

  it('stores every key once and runs every delivery once, with a fifth of the keys posted to both', async () => {
    const [a, b] = services;
    const messages = crashMessages(`${RUN}-1`, MESSAGES);
    const toBoth = messages.filter((_, n) => n % TO_BOTH_EVERY === 0);
    const spread = messages.filter((_, n) => n % TO_BOTH_EVERY !== 0);
    const started = Date.now();
    // Both instances take the raced keys in the same order at the same pace:
    // each key reaches both at about the same moment.
    const [atA, atB, racedA, racedB] = await Promise.all([
      sendAll(
        url(a),
        WEBHOOK_TOKEN,
        spread.filter((_, n) => n % 2 === 0),
        10,
      ),
      sendAll(
        url(b),
        WEBHOOK_TOKEN,
        spread.filter((_, n) => n % 2 === 1),
        10,
      ),
      sendAll(url(a), WEBHOOK_TOKEN, toBoth, 10),
      sendAll(url(b), WEBHOOK_TOKEN, toBoth, 10),
    ]);
    const seconds = (Date.now() - started) / 1000;
    const all = [...atA, ...atB, ...racedA, ...racedB];
    const failed = all.filter((r) => r.status !== 200);
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} answers not 200, e.g. ${JSON.stringify(failed.slice(0, 3))}\n` +
          `${tail(a.output(), 20)}\n${tail(b.output(), 20)}`,
      );
    }
    expect([...atA, ...atB].filter((r) => r.outcome !== 'accepted')).toEqual([]);
    // Each raced key: one instance accepted it, the other answered duplicate.
    const raced = toBoth.map((_, n) => [racedA[n].outcome, racedB[n].outcome].sort().join('+'));
    expect(raced.filter((pair) => pair !== 'accepted+duplicate')).toEqual([]);

    const keys = new Set(messages.map((m) => m.key));
    const stored = (
      await readCommitted<{ key: string; count: number }>(
        dataDir,
        'select key, count(*)::int as count from messages group by key',
      )
    ).filter((row) => keys.has(row.key));
    expect(stored).toHaveLength(MESSAGES);
    expect(stored.filter((row) => row.count !== 1)).toEqual([]);

    const rows = await settled([...keys], b);
    const conversations = new Set(messages.map((m) => m.groupId)).size;
    // One conversation.started per conversation, whichever instance saw it first.
    expect(
      rows.filter(
        (row) =>
          row.event_name === 'conversation.started' && row.listener === 'analytics.conversations',
      ),
    ).toHaveLength(conversations);
    const notify = rows.filter((row) => row.listener.startsWith('notifications.'));
    expect(notify).toHaveLength(MESSAGES);
    const calls = notify.map((row) => sink.idempotencyKeys.get(row.id) ?? 0);
    expect(calls.filter((count) => count !== 1)).toEqual([]);

    const summary = await adminGet<{ messages: number; conversationsStarted: number }>(
      a,
      `/api/analytics/summary?since=${new Date(started - 3_600_000).toISOString()}`,
    );
    expect(summary).toMatchObject({ messages: MESSAGES, conversationsStarted: conversations });
    report('two instances', {
      webhooks: all.length,
      keys: MESSAGES,
      postedToBoth: toBoth.length,
      seconds,
      deliveries: rows.length,
      notificationsAtSink: notify.length,
      sinkCallsPerDelivery: [...new Set(calls)],
      analyticsMessages: summary.messages,
      conversationsStarted: summary.conversationsStarted,
    });
  });

  it('finishes the work of an instance killed mid-load, losing nothing answered 200', async () => {
    const [a, b] = services;
    const messages = crashMessages(`${RUN}-2`, MESSAGES);
    // The sink holds each notification a while: deliveries are under way, leased, at the kill.
    sink.holdMs = 300;
    let killed = false;
    let runningAtKill = 0;
    const [atA, atB] = await Promise.all([
      sendAll(
        url(a),
        WEBHOOK_TOKEN,
        messages.filter((_, n) => n % 2 === 0),
        10,
        (answered) => {
          if (killed || answered < MESSAGES / 4) return;
          killed = true;
          a.child.kill('SIGKILL');
          void deliveries().then(
            (rows) => (runningAtKill = rows.filter((row) => row.status === 'running').length),
          );
        },
      ),
      sendAll(
        url(b),
        WEBHOOK_TOKEN,
        messages.filter((_, n) => n % 2 === 1),
        10,
      ),
    ]);
    expect((await a.exited).signal).toBe('SIGKILL');
    expect(atB.filter((r) => r.status !== 200)).toEqual([]);
    const answered = [...atA, ...atB].filter((r) => r.status === 200);
    expect([...atA, ...atB].filter((r) => r.status !== 200 && r.status !== null)).toEqual([]);
    const since = Date.now();
    sink.holdMs = 0;
    const rows = await settled(
      answered.map((r) => r.key),
      b,
    );
    const notify = rows.filter((row) => row.listener.startsWith('notifications.'));
    const calls = notify.map((row) => sink.idempotencyKeys.get(row.id) ?? 0);
    expect(calls.filter((count) => count < 1)).toEqual([]);
    report('one instance killed', {
      answered200: answered.length,
      unansweredAtKill: atA.length + atB.length - answered.length,
      runningAtKill,
      allDoneAfterKillMs: Date.now() - since,
      deliveriesDone: rows.length,
      // A notification the killed instance had sent but not recorded is sent again, same Idempotency-Key.
      sentTwiceSameKey: calls.filter((count) => count > 1).length,
    });
    expect(await stopService(b)).toEqual({ code: 0, signal: null });
  });
});

function report(name: string, figures: Record<string, unknown>): void {
  process.stdout.write(`\n${name}: ${JSON.stringify(figures)}\n`);
}

async function adminGet<T>(service: ServiceProcess, path: string): Promise<T> {
  const response = await fetch(`${service.baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (response.status !== 200)
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
