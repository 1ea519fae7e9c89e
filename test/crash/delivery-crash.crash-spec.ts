import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrashMessage, crashMessages, SendResult, sendAll } from './support/sender';
import {
  assertBuilt,
  freePort,
  killService,
  ROOT,
  ServiceProcess,
  sleep,
  startService,
  stopService,
  tail,
  waitReady,
} from './support/service-process';
import { NotificationSink } from './support/sink';
import { countBy, readAdminApi, readSqlite, StoreView } from './support/store-view';

/*
 * The crash test of the durable listeners: the built server as a child
 * process, a notification sink that is down, 300 offline messages, kill -9
 * while their deliveries are pending, a restart on the same data, then the
 * sink comes back. Every message answered 200 must be stored, reach the sink
 * and end `done`. Not part of `npm test`: run `npm run test:crash`.
 */

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const WEBHOOK_TOKEN = 'crash-test-webhook-token-0123456789';
const ADMIN_TOKEN = 'crash-test-admin-token-0123456789ab';
const OFFLINE_LISTENER = 'notifications.offline-webhook.webhook';

const MESSAGES = 300;
const SEND_CONCURRENCY = 20;
/**
 * The server is killed this many webhook answers in, after a random 0-20 ms
 * more, so that the kill can also land in the middle of a commit.
 */
const KILL_AFTER_ANSWERS = 200;
const KILL_JITTER_MS = 20;
/** After the restart the sink stays down this long, so the second run fails some attempts too. */
const STILL_FAILING_AFTER_RESTART_MS = 1000;
/** Bound on the wait for every delivery to end done once the sink is back. */
const SETTLE_TIMEOUT_MS = 60_000;

const NOTIFY_TIMEOUT_MS = 1000;
/** 20 steps, ~19 s in all: nothing may go dead before the sink comes back. */
const RETRY_SCHEDULE = ['300ms', '600ms', ...Array<string>(18).fill('1s')].join(',');

interface Progress {
  view: StoreView;
  acceptedKeys: string[];
  notStored: string[];
  notAtSink: string[];
  withoutOfflineDelivery: string[];
  notDone: StoreView['deliveries'];
}

function progress(view: StoreView, acceptedKeys: string[], sink: NotificationSink): Progress {
  const accepted = new Set(acceptedKeys);
  const offlineFor = new Set(
    view.deliveries.filter((d) => d.listener === OFFLINE_LISTENER).map((d) => d.messageKey),
  );
  return {
    view,
    acceptedKeys,
    notStored: acceptedKeys.filter((key) => !view.messageKeys.has(key)),
    notAtSink: acceptedKeys.filter((key) => !sink.deliveredKeys.has(key)),
    withoutOfflineDelivery: acceptedKeys.filter((key) => !offlineFor.has(key)),
    notDone: view.deliveries.filter((d) => accepted.has(d.messageKey) && d.status !== 'done'),
  };
}

const complete = (p: Progress): boolean =>
  p.notStored.length === 0 &&
  p.notAtSink.length === 0 &&
  p.withoutOfflineDelivery.length === 0 &&
  p.notDone.length === 0;

function describeProgress(p: Progress, sink: NotificationSink): string {
  const accepted = new Set(p.acceptedKeys);
  const ofAccepted = p.view.deliveries.filter((d) => accepted.has(d.messageKey));
  return [
    `source ${p.view.source}`,
    `answered 200: ${p.acceptedKeys.length}`,
    `stored: ${p.acceptedKeys.length - p.notStored.length} (missing ${p.notStored.length}: ${p.notStored.slice(0, 10).join(', ')})`,
    `reached the sink once it was up: ${p.acceptedKeys.length - p.notAtSink.length} (missing ${p.notAtSink.length}: ${p.notAtSink.slice(0, 10).join(', ')})`,
    `without a ${OFFLINE_LISTENER} delivery: ${p.withoutOfflineDelivery.length}`,
    `their deliveries by listener/status: ${JSON.stringify(countBy(ofAccepted, (d) => `${d.listener}/${d.status}`))}`,
    `not done (first 10): ${JSON.stringify(p.notDone.slice(0, 10))}`,
    `sink requests: ${JSON.stringify(sink.requests)}, in flight ${sink.inFlight}`,
  ].join('\n  ');
}

function summarise(results: readonly SendResult[]): Record<string, number> {
  return countBy(results, (r) =>
    r.status === null ? `no answer (${r.error ?? '?'})` : `${r.status} ${r.outcome ?? ''}`.trim(),
  );
}

describe('durable deliveries survive kill -9', () => {
  let dataDir: string | undefined;
  let sink: NotificationSink | undefined;
  const services: ServiceProcess[] = [];

  beforeAll(() => {
    assertBuilt();
  });

  afterAll(async () => {
    for (const service of services) await killService(service);
    await sink?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** On failure the servers' output goes to test-artifacts/crash/, and its path into the error. */
  async function keepingLogs(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      const dir = join(ROOT, 'test-artifacts', 'crash');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${RUN}.log`);
      writeFileSync(
        file,
        services.map((s) => `===== ${s.name} =====\n${s.output()}`).join('\n'),
        'utf8',
      );
      const last = services.at(-1);
      process.stderr.write(
        `crash test failed; server output in ${file}\n` +
          (last ? `last lines of ${last.name}:\n${tail(last.output(), 15)}\n` : ''),
      );
      throw error;
    }
  }

  it('every message answered 200 is stored, reaches the sink and ends done', () =>
    keepingLogs(async () => {
      const startedAt = Date.now();
      dataDir = mkdtempSync(join(tmpdir(), 'kommhook-crash-'));
      sink = new NotificationSink({ hangShare: 0.15, hangMs: 1500, slowFailMaxMs: 250 });
      const sinkUrl = await sink.listen();
      const port = await freePort();
      const env = {
        DATA_DIR: dataDir,
        WEBHOOK_TOKENS: WEBHOOK_TOKEN,
        ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
        NOTIFY_WEBHOOK_URL: sinkUrl,
        NOTIFY_TIMEOUT_MS: String(NOTIFY_TIMEOUT_MS),
        RETRY_SCHEDULE,
        DELIVERY_LEASE_MS: '2000',
        DELIVERY_POLL_MS: '100',
      };

      // 1. First run, sink down: send, and kill -9 mid-stream.
      const first = startService('first run', port, env);
      services.push(first);
      await waitReady(first);
      const webhookUrl = `${first.baseUrl}/message/forward`;
      const messages = crashMessages(RUN, MESSAGES);
      const byKey = new Map<string, CrashMessage>(messages.map((m) => [m.key, m]));

      let killScheduled = false;
      let killed = false;
      const killDelayMs = Math.floor(Math.random() * (KILL_JITTER_MS + 1));
      let sinkInFlightAtKill = 0;
      let sinkRequestsAtKill = 0;
      const kill = (): void => {
        killed = true;
        sinkInFlightAtKill = sink!.inFlight;
        sinkRequestsAtKill = sink!.totalRequests;
        first.child.kill('SIGKILL');
      };
      const roundOne = await sendAll(
        webhookUrl,
        WEBHOOK_TOKEN,
        messages,
        SEND_CONCURRENCY,
        (answered) => {
          if (killScheduled || answered < KILL_AFTER_ANSWERS) return;
          killScheduled = true;
          if (killDelayMs === 0) kill();
          else setTimeout(kill, killDelayMs);
        },
      );
      const firstExit = await first.exited;
      expect(killed).toBe(true);
      expect(firstExit.signal).toBe('SIGKILL');

      // Whatever was answered was a 200: the rest got no answer at all.
      const answeredOne = roundOne.filter((r) => r.status !== null);
      expect(answeredOne.filter((r) => r.status !== 200)).toEqual([]);
      const acceptedOne = answeredOne.map((r) => r.key);
      expect(acceptedOne.length).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
      expect(sink.deliveredKeys.size).toBe(0);

      // 2. The store as the crash left it (read directly, the server is dead).
      const atCrash = readSqlite(dataDir);
      const crashProgress = progress(atCrash, acceptedOne, sink);
      expect(crashProgress.notStored).toEqual([]);
      expect(crashProgress.withoutOfflineDelivery).toEqual([]);
      const offlineAtCrash = atCrash.deliveries.filter((d) => d.listener === OFFLINE_LISTENER);
      const offlineStatusesAtCrash = countBy(offlineAtCrash, (d) => d.status);
      // The sink never said yes: every notification was still owed when the server died.
      expect(offlineStatusesAtCrash.done ?? 0).toBe(0);
      expect(offlineStatusesAtCrash.dead ?? 0).toBe(0);
      expect(offlineAtCrash.length).toBe(atCrash.messageKeys.size);

      // 3. Second run on the same data, the sink still down; Kommunicate sends again
      // what got no answer (those stored before the crash must come back `duplicate`).
      const second = startService('second run', port, env);
      services.push(second);
      await waitReady(second);
      const unanswered = messages.filter((m) => !acceptedOne.includes(m.key));
      const roundTwo = await sendAll(webhookUrl, WEBHOOK_TOKEN, unanswered, SEND_CONCURRENCY);
      expect(roundTwo.filter((r) => r.status !== 200)).toEqual([]);
      const duplicates = roundTwo.filter((r) => r.outcome === 'duplicate').map((r) => r.key);
      const storedUnanswered = unanswered
        .filter((m) => atCrash.messageKeys.has(m.key))
        .map((m) => m.key);
      expect(duplicates.sort()).toEqual(storedUnanswered.sort());
      expect(roundTwo.filter((r) => !['accepted', 'duplicate'].includes(r.outcome ?? ''))).toEqual(
        [],
      );
      const acceptedKeys = [...acceptedOne, ...roundTwo.map((r) => r.key)];

      await sleep(STILL_FAILING_AFTER_RESTART_MS);
      sink.mode = 'succeeding';
      const upAt = Date.now();

      // 4. The sink is back: wait until every accepted message got through and is done.
      const read = (): Promise<StoreView> => readAdminApi(second.baseUrl, ADMIN_TOKEN);
      let current = progress(await read(), acceptedKeys, sink);
      while (!complete(current)) {
        if (second.hasExited()) throw new Error(`the second run exited:\n${tail(second.output())}`);
        if (Date.now() - upAt > SETTLE_TIMEOUT_MS) {
          throw new Error(
            `not every accepted message was delivered ${SETTLE_TIMEOUT_MS} ms after the sink came back:\n  ${describeProgress(current, sink)}`,
          );
        }
        await sleep(250);
        current = progress(await read(), acceptedKeys, sink);
      }
      const settledMs = Date.now() - upAt;

      expect(current.notStored).toEqual([]);
      expect(current.notAtSink).toEqual([]);
      expect(current.withoutOfflineDelivery).toEqual([]);
      expect(current.notDone).toEqual([]);
      // What reached the sink is what was sent, and nothing else.
      expect(sink.malformed).toEqual([]);
      const wrongBodies = acceptedKeys.filter((key) => {
        const sent = byKey.get(key)!;
        const got = sink!.bodies.get(key);
        return !(
          got &&
          got.event === 'message.received' &&
          got.from === sent.from &&
          got.text === sent.message &&
          Number.isFinite(Date.parse(got.receivedAt))
        );
      });
      expect(wrongBodies).toEqual([]);
      const strangers = [...sink.bodies.keys()].filter((key) => !byKey.has(key));
      expect(strangers).toEqual([]);

      // 5. A clean stop, then the file itself agrees: everything done, nothing else.
      const secondExit = await stopService(second);
      expect(secondExit).toEqual({ code: 0, signal: null });
      const final = readSqlite(dataDir);
      const finalProgress = progress(final, acceptedKeys, sink);
      expect(finalProgress.notStored).toEqual([]);
      expect(finalProgress.withoutOfflineDelivery).toEqual([]);
      expect(finalProgress.notDone).toEqual([]);
      const finalStatuses = countBy(final.deliveries, (d) => d.status);
      expect(finalStatuses).toEqual({ done: final.deliveries.length });
      expect(final.messageKeys.size).toBe(MESSAGES);

      const offlineDone = final.deliveries.filter(
        (d) => d.listener === OFFLINE_LISTENER && d.status === 'done',
      ).length;
      const deliveredTimes = [...sink.deliveredKeys.values()].reduce((a, b) => a + b, 0);
      const figures = {
        sent: MESSAGES,
        killDelayMs,
        answered200BeforeKill: acceptedOne.length,
        noAnswerAtKill: roundOne.length - answeredOne.length,
        storedAfterCrash: atCrash.messageKeys.size,
        storedButUnanswered: storedUnanswered.length,
        offlineDeliveriesAtCrash: offlineStatusesAtCrash,
        sinkInFlightAtKill,
        sinkRequestsAtKill,
        resentAfterRestart: `${roundTwo.length} (${JSON.stringify(summarise(roundTwo))})`,
        answered200Total: acceptedKeys.length,
        deliveriesDone: `${finalStatuses.done}/${final.deliveries.length} (offline-webhook ${offlineDone})`,
        sinkRequestsTotal: sink.totalRequests,
        sinkFailedRequests: sink.requests.failing,
        sinkAbandonedRequests: sink.abandoned,
        sinkOkRequests: sink.requests.succeeding,
        sinkDuplicateOk: deliveredTimes - sink.deliveredKeys.size,
        sinkMaxInFlight: sink.maxInFlight,
        maxAttempts: Math.max(...final.deliveries.map((d) => d.attempts)),
        stateSource: current.view.source,
        settledAfterSinkUpMs: settledMs,
        totalMs: Date.now() - startedAt,
      };
      process.stdout.write(
        `\ncrash-test figures: ${Object.entries(figures)
          .map(
            ([name, value]) =>
              `${name}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
          )
          .join(' ')}\n\n`,
      );
    }));
});
