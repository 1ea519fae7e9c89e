import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Clock } from '../src/common/clock/clock';
import type { NotificationEntry } from '../src/notifications/notification-log';
import { HttpRecorder, type RecordedRequest } from './support/http-recorder';
import {
  createTestApp,
  eventually,
  message,
  newDataDir,
  removeDataDir,
  TestApp,
} from './support/test-app';

// "Unanswered after N" alerts end to end: real webhooks in, real HTTP out,
// timers as deliveries due later. Timings are seconds so that the suite
// stays short; each test has its own conversation.

interface AlertBody {
  event: string;
  rule: string;
  key: string;
  conversation: string;
  alert: { dedupKey: string; step: number | null; waitStartedAt: string; waitedMs: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bodies = (sink: HttpRecorder, path: string, conversation: string): AlertBody[] =>
  sink
    .to(path)
    .map((request) => request.json as AlertBody)
    .filter((body) => body.conversation === conversation);

const BASE = 7000 + (process.pid % 1000) * 100;
let group = BASE;
/** A conversation of its own for each test. */
const nextConversation = (): { groupId: number; key: string } => {
  group += 1;
  return { groupId: group, key: `group:${group}` };
};

/** A clock that runs at real speed from where the test puts it. */
class ShiftedClock extends Clock {
  private offset = 0;

  /** From now on, the clock reads `at` and runs on from there. */
  setTo(at: Date): void {
    this.offset = at.getTime() - Date.now();
  }

  override now(): Date {
    return new Date(Date.now() + this.offset);
  }
}

function rulesFile(dataDir: string, sink: HttpRecorder): string {
  const file = join(dataDir, 'notifications.yaml');
  writeFileSync(
    file,
    `rules:
  - name: waiting
    on: conversation.unanswered
    after: 2s
    when: { conversation: [${[...Array(10).keys()].map((i) => BASE + 1 + i).join(', ')}] }
    send:
      - { channel: webhook, url: "${sink.url}/waiting" }
      - { channel: slack, url: "${sink.url}/slack" }
  - name: ladder
    on: conversation.unanswered
    after: 1s
    when: { conversation: [${BASE + 20}] }
    send: [{ channel: webhook, url: "${sink.url}/first" }]
    escalate:
      - after: 2s
        send: [{ channel: webhook, url: "${sink.url}/second" }]
    repeat: 1
  - name: business
    on: conversation.unanswered
    after: 2s
    clock: business-hours
    when: { conversation: [${BASE + 30}] }
    send: [{ channel: webhook, url: "${sink.url}/business" }]
`,
  );
  return file;
}

jest.setTimeout(20_000);

describe('unanswered-conversation alerts', () => {
  let sink: HttpRecorder;
  let t: TestApp;
  let env: Record<string, string>;
  const customer = (conversation: { groupId: number }, at = Date.now()) =>
    message({
      groupId: conversation.groupId,
      clientGroupId: null,
      from: 'visitor-9',
      timeStamp: at,
    });
  const agent = (conversation: { groupId: number }, at = Date.now()) =>
    message({
      groupId: conversation.groupId,
      clientGroupId: null,
      from: 'agent-ann',
      timeStamp: at,
    });
  const log = async (rule: string): Promise<NotificationEntry[]> =>
    (
      (await t.admin(`/api/notifications?rule=${rule}&limit=500`).expect(200)).body as {
        items: NotificationEntry[];
      }
    ).items.reverse();

  beforeAll(async () => {
    sink = await HttpRecorder.start();
    const dataDir = newDataDir();
    env = {
      NOTIFICATIONS_FILE: rulesFile(dataDir, sink),
      SUPPORT_AGENTS: 'agent-*',
      DELIVERY_POLL_MS: '100',
      RETRY_SCHEDULE: '1s,1s,1s,1s',
    };
    t = await createTestApp({ dataDir, env });
  });

  afterAll(async () => {
    await t.close();
    await sink.stop();
    removeDataDir(t.dataDir);
  });

  it('alerts once when nobody answers, with the dedup key in payload, header and log', async () => {
    const conversation = nextConversation();
    const sent = customer(conversation);
    await t.deliver(sent).expect(200);
    const started = Date.now();

    const [alert] = await eventually(() => {
      const found = bodies(sink, '/waiting', conversation.key);
      expect(found).toHaveLength(1);
      return found;
    }, 5000);
    const request = sink
      .to('/waiting')
      .find((r) => (r.json as AlertBody).conversation === conversation.key)!;
    expect(request.at - started).toBeGreaterThanOrEqual(1800);
    const dedupKey = `${conversation.key}@${sent.timeStamp as number}`;
    expect(alert).toMatchObject({
      event: 'conversation.unanswered',
      rule: 'waiting',
      key: sent.key,
      alert: { dedupKey, step: 0, waitStartedAt: new Date(sent.timeStamp as number).toISOString() },
    });
    expect(request.headers['idempotency-key']).toBe(`${dedupKey}/0`);
    // Slack goes second, right after.
    const slack = await eventually(() => {
      const texts = sink
        .to('/slack')
        .map((r) => (r.json as { text: string }).text)
        .filter((text) => text.includes(conversation.key));
      expect(texts).toHaveLength(1);
      return texts[0];
    });
    expect(slack).toMatch(
      new RegExp(`^Unanswered for 2s: conversation ${conversation.key}: hello`),
    );

    // No second alert for the same wait.
    await sleep(1500);
    expect(bodies(sink, '/waiting', conversation.key)).toHaveLength(1);
    const rows = (await log('waiting')).filter((row) => row.conversation === conversation.key);
    expect(rows.map((row) => [row.channel, row.event, row.status, row.dedupKey])).toEqual([
      ['webhook', 'conversation.unanswered', 'sent', dedupKey],
      ['slack', 'conversation.unanswered', 'sent', dedupKey],
    ]);
  });

  it('stays silent when an agent answers in time', async () => {
    const conversation = nextConversation();
    await t.deliver(customer(conversation)).expect(200);
    await sleep(500);
    await t.deliver(agent(conversation)).expect(200);
    await sleep(3000);
    expect(bodies(sink, '/waiting', conversation.key)).toEqual([]);
    expect((await log('waiting')).filter((row) => row.conversation === conversation.key)).toEqual(
      [],
    );
  });

  it('resolves an alert when an agent answers after it, tied by the same dedup key', async () => {
    const conversation = nextConversation();
    const sent = customer(conversation);
    await t.deliver(sent).expect(200);
    const [alert] = await eventually(() => {
      const found = bodies(sink, '/waiting', conversation.key);
      expect(found).toHaveLength(1);
      return found;
    }, 5000);

    const answer = agent(conversation);
    await t.deliver(answer).expect(200);
    const resolved = await eventually(() => {
      const found = bodies(sink, '/waiting', conversation.key).filter(
        (body) => body.event === 'conversation.resolved',
      );
      expect(found).toHaveLength(1);
      return found[0];
    }, 5000);
    expect(resolved.alert).toMatchObject({ dedupKey: alert.alert.dedupKey, step: null });
    expect(resolved.alert.waitedMs).toBe((answer.timeStamp as number) - (sent.timeStamp as number));
    await eventually(() => {
      const slackResolved = sink
        .to('/slack')
        .map((r) => (r.json as { text: string }).text)
        .filter((text) => text.startsWith('Resolved:') && text.includes(conversation.key));
      expect(slackResolved).toHaveLength(1);
    });

    // The timeline: both alerts, then both resolutions, all with one dedup key.
    await eventually(async () => {
      const rows = (await log('waiting')).filter((row) => row.conversation === conversation.key);
      expect(rows.map((row) => [row.channel, row.event, row.status, row.dedupKey])).toEqual([
        ['webhook', 'conversation.unanswered', 'sent', alert.alert.dedupKey],
        ['slack', 'conversation.unanswered', 'sent', alert.alert.dedupKey],
        ['webhook', 'conversation.resolved', 'sent', alert.alert.dedupKey],
        ['slack', 'conversation.resolved', 'sent', alert.alert.dedupKey],
      ]);
    });
    // The status filter still takes the alerts' rows.
    const sentRows = (
      (await t.admin('/api/notifications?rule=waiting&status=sent&limit=500').expect(200)).body as {
        items: NotificationEntry[];
      }
    ).items.filter((row) => row.conversation === conversation.key);
    expect(sentRows).toHaveLength(4);
  });

  it('climbs the escalation ladder and stops at the repeat limit', async () => {
    const conversation = { groupId: BASE + 20, key: `group:${BASE + 20}` };
    const sent = customer(conversation);
    const started = Date.now();
    await t.deliver(sent).expect(200);

    await eventually(() => expect(bodies(sink, '/second', conversation.key)).toHaveLength(2), 6000);
    const first = sink.to('/first');
    const second = sink.to('/second');
    expect(first).toHaveLength(1);
    const offsets = [...first, ...second].map((request: RecordedRequest) => request.at - started);
    // 1 s, 2 s, then the last step again 1 s later (its distance from the step before).
    expect(offsets[0]).toBeGreaterThanOrEqual(800);
    expect(offsets[1]).toBeGreaterThanOrEqual(1800);
    expect(offsets[2]).toBeGreaterThanOrEqual(2800);
    expect(bodies(sink, '/second', conversation.key).map((body) => body.alert.step)).toEqual([
      1, 2,
    ]);
    await sleep(2000);
    expect(sink.to('/first')).toHaveLength(1);
    expect(sink.to('/second')).toHaveLength(2);
    // Done: the timer's delivery is finished, not waiting.
    const deliveries = await t.db
      .selectFrom('deliveries')
      .select(['listener', 'status', 'attempts'])
      .where('message_key', '=', sent.key)
      .where('listener', '=', 'notifications.ladder.timer')
      .execute();
    expect(deliveries).toEqual([
      { listener: 'notifications.ladder.timer', status: 'done', attempts: 1 },
    ]);
    expect((await log('ladder')).map((row) => [row.channel, row.event, row.status])).toEqual([
      ['webhook', 'conversation.unanswered', 'sent'],
      ['webhook-2', 'conversation.unanswered', 'sent'],
      ['webhook-2', 'conversation.unanswered', 'sent'],
    ]);
  });

  it('keeps the timer across a restart', async () => {
    const conversation = nextConversation();
    const sent = customer(conversation);
    await t.deliver(sent).expect(200);
    await sleep(300);
    await t.close();
    // Pending in the store, due when the alert is.
    t = await createTestApp({ dataDir: t.dataDir, env });
    const row = await t.db
      .selectFrom('deliveries')
      .select(['status', 'next_attempt_at'])
      .where('message_key', '=', sent.key)
      .where('listener', '=', 'notifications.waiting.timer')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual((sent.timeStamp as number) + 1900);
    await eventually(
      () => expect(bodies(sink, '/waiting', conversation.key)).toHaveLength(1),
      5000,
    );
  });
});

describe('unanswered-conversation alerts on the business-hours clock', () => {
  let sink: HttpRecorder;
  let t: TestApp;
  const clock = new ShiftedClock();

  beforeAll(async () => {
    sink = await HttpRecorder.start();
    const dataDir = newDataDir();
    t = await createTestApp({
      dataDir,
      clock,
      env: {
        NOTIFICATIONS_FILE: rulesFile(dataDir, sink),
        SUPPORT_AGENTS: 'agent-*',
        SUPPORT_BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
        SUPPORT_TIMEZONE: 'UTC',
        DELIVERY_POLL_MS: '100',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await sink.stop();
    removeDataDir(t.dataDir);
  });

  it('holds an alert due outside the hours to the opening', async () => {
    const conversation = { groupId: BASE + 30, key: `group:${BASE + 30}` };
    // Monday, two seconds before the opening.
    clock.setTo(new Date('2026-11-30T08:59:58Z'));
    const started = Date.now();
    // When 09:00:02 comes in real time.
    const dueIn = Date.parse('2026-11-30T09:00:02Z') - clock.now().getTime();
    expect(dueIn).toBeGreaterThan(3000);
    await t
      .deliver(
        message({
          groupId: conversation.groupId,
          clientGroupId: null,
          from: 'visitor-9',
          timeStamp: clock.now().getTime(),
        }),
      )
      .expect(200);

    // On the wall clock it would be due now; on business hours at 09:00:02.
    await sleep(2500);
    expect(bodies(sink, '/business', conversation.key)).toEqual([]);
    const [alert] = await eventually(() => {
      const found = bodies(sink, '/business', conversation.key);
      expect(found).toHaveLength(1);
      return found;
    }, 4000);
    expect(sink.to('/business')[0].at - started).toBeGreaterThanOrEqual(dueIn - 50);
    expect(alert.alert.waitedMs).toBeGreaterThanOrEqual(dueIn - 50);
  });
});
