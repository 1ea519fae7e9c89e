import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashMessages, sendAll } from './support/sender';
import {
  assertBuilt,
  freePort,
  killService,
  ServiceProcess,
  sleep,
  startService,
  stopService,
  tail,
  waitReady,
} from './support/service-process';
import { NotificationSink } from './support/sink';
import { countBy, readSqlite } from './support/store-view';

/*
 * kill -9 while the server takes webhooks as fast as 50 senders can post
 * them (group commits of dozens of messages under way), then a restart on
 * the same data: every message answered 200 must be stored, and every one of
 * its deliveries done after the restart, its notification at the sink.
 */

const RUN = `${process.pid}-${Date.now().toString(36)}-fast`;
const WEBHOOK_TOKEN = 'crash-test-webhook-token-0123456789';
const ADMIN_TOKEN = 'crash-test-admin-token-0123456789ab';
const MESSAGES = 4_000;
const SENDERS = 50;
const KILL_AFTER_ANSWERS = 1_500;
const SETTLE_TIMEOUT_MS = 60_000;

describe('kill -9 at full speed', () => {
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

  it('loses nothing answered 200: after the restart every such message is stored and delivered', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kommhook-crash-fast-'));
    sink = new NotificationSink({ hangShare: 0, hangMs: 0, slowFailMaxMs: 0 });
    sink.mode = 'succeeding';
    const env = {
      DATA_DIR: dataDir,
      WEBHOOK_TOKENS: WEBHOOK_TOKEN,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      NOTIFY_WEBHOOK_URL: await sink.listen(),
      DELIVERY_LEASE_MS: '2000',
      DELIVERY_POLL_MS: '100',
    };
    const port = await freePort();
    const first = startService('full-speed run', port, env);
    services.push(first);
    await waitReady(first);

    let killed = false;
    const results = await sendAll(
      `${first.baseUrl}/message/forward`,
      WEBHOOK_TOKEN,
      crashMessages(RUN, MESSAGES),
      SENDERS,
      (answered) => {
        if (killed || answered < KILL_AFTER_ANSWERS) return;
        killed = true;
        first.child.kill('SIGKILL');
      },
    );
    expect((await first.exited).signal).toBe('SIGKILL');
    const answered = results.filter((r) => r.status !== null);
    expect(answered.filter((r) => r.status !== 200)).toEqual([]);
    const accepted = answered.map((r) => r.key);
    const atCrash = readSqlite(dataDir);
    expect(accepted.filter((key) => !atCrash.messageKeys.has(key))).toEqual([]);

    const second = startService('after the crash', port, env);
    services.push(second);
    await waitReady(second);
    const since = Date.now();
    for (;;) {
      const view = readSqlite(dataDir);
      const acceptedSet = new Set(accepted);
      const owed = view.deliveries.filter((d) => acceptedSet.has(d.messageKey));
      const notDone = owed.filter((d) => d.status !== 'done');
      const notAtSink = accepted.filter((key) => !sink!.deliveredKeys.has(key));
      if (notDone.length === 0 && notAtSink.length === 0) {
        const figures = {
          answered200BeforeKill: accepted.length,
          noAnswerAtKill: results.length - answered.length,
          storedAtCrash: atCrash.messageKeys.size,
          storedButUnanswered: atCrash.messageKeys.size - accepted.length,
          deliveriesAtCrash: countBy(
            atCrash.deliveries.filter((d) => acceptedSet.has(d.messageKey)),
            (d) => d.status,
          ),
          deliveriesOfAcceptedDone: owed.length,
          allDoneAfterRestartMs: Date.now() - since,
        };
        process.stdout.write(`\nfull-speed crash figures: ${JSON.stringify(figures)}\n\n`);
        break;
      }
      if (Date.now() - since > SETTLE_TIMEOUT_MS || second.hasExited()) {
        throw new Error(
          `after the restart ${notDone.length} deliveries of accepted messages are not done ` +
            `and ${notAtSink.length} notifications never arrived:\n${tail(second.output())}`,
        );
      }
      await sleep(250);
    }
    expect(await stopService(second)).toEqual({ code: 0, signal: null });
  });
});
