import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DigestScheduler } from '../src/notifications/digests/digest-scheduler';
import { addressList, SmtpRecorder } from './support/smtp-recorder';
import {
  createTestApp,
  eventually,
  FixedClock,
  message,
  newDataDir,
  removeDataDir,
  type TestApp,
} from './support/test-app';

// The daily digest e-mail against a real SMTP server on 127.0.0.1: real
// webhooks on Wednesday 25 Nov 2026 and on the Wednesday before, the clock
// moved to Thursday 08:00 in Berlin (UTC+1), the mail read as a client reads it.

const RULES = `
rules:
  - name: morning-digest
    digest: daily
    at: "08:00"
    send:
      - channel: email
        to: [support-lead@example.com]
`;

describe('digest e-mail', () => {
  let smtp: SmtpRecorder;
  let dataDir: string;
  let t: TestApp;
  // Thursday 07:00 in Berlin: Wednesday's digest (of Tuesday) is the latest due.
  const clock = new FixedClock(new Date('2026-11-26T06:00:00Z'));
  let posted = 0;

  const start = () =>
    createTestApp({
      dataDir,
      clock,
      env: {
        NOTIFICATIONS_FILE: join(dataDir, 'rules.yaml'),
        SMTP_URL: smtp.url(),
        SUPPORT_AGENTS: 'agent-*',
        SUPPORT_TIMEZONE: 'Europe/Berlin',
        SUPPORT_BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
      },
    });
  const tick = () => t.app.get(DigestScheduler).tick();
  const post = async (conversation: number | string, from: string, iso: string) => {
    const ids =
      typeof conversation === 'number'
        ? { groupId: conversation, clientGroupId: undefined }
        : { groupId: undefined, clientGroupId: conversation };
    const payload = message({ ...ids, from, timeStamp: Date.parse(iso) });
    await t.deliver(payload).expect(200);
    posted += 1;
  };
  const settled = () =>
    eventually(async () => {
      const stored = await t.db
        .selectFrom('support_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(posted);
    }, 10_000);

  beforeAll(async () => {
    smtp = await SmtpRecorder.start();
    dataDir = newDataDir();
    writeFileSync(join(dataDir, 'rules.yaml'), RULES);
    t = await start();
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    removeDataDir(dataDir);
  });

  it('at start sends the latest due digest: an empty Tuesday', async () => {
    await eventually(() => expect(smtp.mails).toHaveLength(1), 10_000);
    const [{ envelope, mail }] = smtp.mails;
    expect(envelope.to).toEqual(['support-lead@example.com']);
    expect(mail.subject).toBe('Support digest: Tue 24 Nov 2026');
    expect(mail.messageId).toBe('<digest-morning-digest-email-2026-11-24@kommhook>');
    expect(mail.text).toContain('Compared with Tue 17 Nov 2026.');
    expect(mail.text).toContain('Messages: 0 (before: 0, change: ±0)');
    expect(mail.text).toContain('Median first response: – (before: –, change: –)');
    expect(mail.text).toContain('Longest waits:\n  none\n');
    expect(mail.text).toContain('Still unanswered (0):\n  none\n');
  });

  it("Wednesday's figures against the Wednesday before, sent once at 08:00 Thursday", async () => {
    // Wednesday 25 Nov (Berlin): from 00:30 local (23:30 UTC the day before) to 15:00 local.
    await post(107, 'cust-g', '2026-11-24T23:30:00Z');
    await post(107, 'agent-bob', '2026-11-25T00:30:00Z');
    await post(101, 'cust-a', '2026-11-25T08:00:00Z');
    await post(101, 'agent-ann', '2026-11-25T08:05:00Z');
    await post(101, 'cust-a', '2026-11-25T08:10:00Z');
    await post(101, 'agent-ann', '2026-11-25T08:22:00Z');
    await post(102, 'cust-b', '2026-11-25T09:00:00Z');
    await post(102, 'agent-bob', '2026-11-25T09:30:00Z');
    await post(103, 'cust-c', '2026-11-25T10:00:00Z');
    await post(103, 'agent-ann', '2026-11-25T12:00:00Z');
    await post(104, 'cust-d', '2026-11-25T13:00:00Z');
    await post('<vip>&co', 'cust-e', '2026-11-25T14:00:00Z');
    // Tuesday, Berlin: not in the range, its open wait not listed.
    await post(108, 'cust-h', '2026-11-24T22:30:00Z');
    await post(108, 'agent-ann', '2026-11-24T22:40:00Z');
    await post(109, 'cust-i', '2026-11-24T10:00:00Z');
    // Wednesday 18 Nov, the day compared with.
    await post(201, 'cust-p', '2026-11-18T09:00:00Z');
    await post(201, 'agent-ann', '2026-11-18T09:20:00Z');
    await post(202, 'cust-q', '2026-11-18T10:00:00Z');
    await post(202, 'agent-bob', '2026-11-18T10:40:00Z');
    await post(203, 'cust-r', '2026-11-18T11:00:00Z');
    await post(203, 'agent-ann', '2026-11-18T11:10:00Z');
    await settled();

    // A second before 08:00: nothing new.
    clock.at = new Date('2026-11-26T06:59:59Z');
    await tick();
    expect(smtp.mails).toHaveLength(1);

    clock.at = new Date('2026-11-26T07:00:00Z');
    await Promise.all([tick(), tick()]);
    await tick();
    expect(smtp.mails).toHaveLength(2);
    const { mail } = smtp.mails[1];
    expect(addressList(mail.to)).toEqual(['support-lead@example.com']);
    expect(mail.subject).toBe('Support digest: Wed 25 Nov 2026');
    expect(mail.text).toBe(
      [
        'Daily support digest: Wed 25 Nov 2026',
        'Times of day in Europe/Berlin. Compared with Wed 18 Nov 2026.',
        '',
        // 12 messages of 6 sessions on Wednesday; 6 of 3 the week before.
        'Messages: 12 (before: 6, change: +6 (+100%))',
        '  from customers: 7 (before: 3, change: +4 (+133%))',
        '  from agents: 5 (before: 3, change: +2 (+67%))',
        '  from bots: 0 (before: 0, change: ±0)',
        'Sessions started: 6 (before: 3, change: +3 (+100%))',
        // First responses 5 m, 30 m, 1 h, 2 h; the week before 10, 20, 40 m.
        'Median first response: 45 m (before: 20 m, change: +25 m)',
        // The one at 00:30 local counts nothing in business hours: 0, 5 m, 30 m, 2 h.
        '  in business hours: 17 m 30 s (before: 20 m, change: -2 m 30 s)',
        // Replies 5, 12, 30 m, 1 h, 2 h; in business hours 0, 5, 12, 30 m, 2 h.
        'Median reply time: 30 m (before: 20 m, change: +10 m)',
        '  in business hours: 12 m (before: 20 m, change: -8 m)',
        '',
        'Longest waits:',
        // The open waits measured until now (Thursday 08:00).
        '1. 18 h, group:104, from Wed 25 Nov 14:00, still waiting',
        '   /api/messages?conversation=group%3A104',
        '2. 17 h, client-group:<vip>&co, from Wed 25 Nov 15:00, still waiting',
        '   /api/messages?conversation=client-group%3A%3Cvip%3E%26co',
        '3. 2 h, group:103, from Wed 25 Nov 11:00, answered',
        '   /api/messages?conversation=group%3A103',
        '4. 1 h, group:107, from Wed 25 Nov 00:30, answered',
        '   /api/messages?conversation=group%3A107',
        '5. 30 m, group:102, from Wed 25 Nov 10:00, answered',
        '   /api/messages?conversation=group%3A102',
        '',
        'Still unanswered (2):',
        '- group:104, waiting since Wed 25 Nov 14:00 (18 h)',
        '  /api/messages?conversation=group%3A104',
        '- client-group:<vip>&co, waiting since Wed 25 Nov 15:00 (17 h)',
        '  /api/messages?conversation=client-group%3A%3Cvip%3E%26co',
        '',
      ].join('\n'),
    );
    const html = mail.html as string;
    expect(html).toContain('<h1>Daily support digest: Wed 25 Nov 2026</h1>');
    expect(html).toContain(
      '<tr><th></th><th>Wed 25 Nov 2026</th><th>Wed 18 Nov 2026</th><th>Change</th></tr>',
    );
    expect(html).toContain('<tr><td>Messages</td><td>12</td><td>6</td><td>+6 (+100%)</td></tr>');
    expect(html).toContain(
      '<tr><td style="padding-left:1.5em">from customers</td><td>7</td><td>3</td><td>+4 (+133%)</td></tr>',
    );
    expect(html).toContain(
      '<tr><td>Sessions started</td><td>6</td><td>3</td><td>+3 (+100%)</td></tr>',
    );
    expect(html).toContain(
      '<tr><td>Median first response</td><td>45 m</td><td>20 m</td><td>+25 m</td></tr>',
    );
    expect(html).toContain(
      '<tr><td>Median reply time</td><td>30 m</td><td>20 m</td><td>+10 m</td></tr>',
    );
    expect(html).toContain(
      '<li>18 h, group:104, from Wed 25 Nov 14:00, still waiting <code>/api/messages?conversation=group%3A104</code></li>',
    );
    // The conversation named by the customer's side is escaped, never markup.
    expect(html).toContain(
      '<li>client-group:&lt;vip&gt;&amp;co, waiting since Wed 25 Nov 15:00 (17 h) <code>',
    );
    expect(html).not.toContain('<vip>');
    expect(html).toContain('<h2>Still unanswered (2)</h2>');

    // Both sends are in the notification log.
    const log = await t.admin('/api/notifications?rule=morning-digest').expect(200);
    expect(
      (log.body as { items: Record<string, unknown>[] }).items.map((item) => [
        item.event,
        item.messageKey,
        item.channel,
        item.status,
        item.remoteStatus,
        item.conversation,
      ]),
    ).toEqual([
      ['digest.daily', '2026-11-25', 'email', 'sent', 250, null],
      ['digest.daily', '2026-11-24', 'email', 'sent', 250, null],
    ]);
  });

  it('is not sent again after a restart on the same data, nor by later ticks', async () => {
    await t.close();
    clock.at = new Date('2026-11-26T07:30:00Z');
    t = await start();
    await tick();
    await tick();
    expect(smtp.mails).toHaveLength(2);
    const rows = await t.db
      .selectFrom('notification_digests')
      .select(['rule', 'channel', 'period_start', 'status', 'attempts'])
      .orderBy('period_start')
      .execute();
    expect(
      rows.map((row) => ({
        ...row,
        period_start: Number(row.period_start),
        attempts: Number(row.attempts),
      })),
    ).toEqual([
      {
        rule: 'morning-digest',
        channel: 'email',
        period_start: Date.parse('2026-11-23T23:00:00Z'),
        status: 'sent',
        attempts: 1,
      },
      {
        rule: 'morning-digest',
        channel: 'email',
        period_start: Date.parse('2026-11-24T23:00:00Z'),
        status: 'sent',
        attempts: 1,
      },
    ]);
  });
  it('two instances on one store, ticking together, send the next day once', async () => {
    const other = await start();
    try {
      clock.at = new Date('2026-11-27T07:00:00Z');
      await Promise.all([
        tick(),
        other.app.get(DigestScheduler).tick(),
        tick(),
        other.app.get(DigestScheduler).tick(),
      ]);
      expect(smtp.mails.map(({ mail }) => mail.subject)).toEqual([
        'Support digest: Tue 24 Nov 2026',
        'Support digest: Wed 25 Nov 2026',
        'Support digest: Thu 26 Nov 2026',
      ]);
    } finally {
      await other.close();
    }
  });
});

describe('weekly digest e-mail, retried after a failure', () => {
  let smtp: SmtpRecorder;
  let dataDir: string;
  let t: TestApp;
  // Monday 30 Nov 2026, 08:00 in New York (UTC-5): the digest of 16-22 Nov is the latest due.
  const clock = new FixedClock(new Date('2026-11-30T13:00:00Z'));
  const tick = () => t.app.get(DigestScheduler).tick();
  const attempts = async () =>
    (
      (await t.admin('/api/notifications?rule=weekly').expect(200)).body as {
        items: Record<string, unknown>[];
      }
    ).items.map((item) => [item.messageKey, item.status, item.remoteStatus]);

  beforeAll(async () => {
    smtp = await SmtpRecorder.start();
    // The first attempt is told to come back later.
    let refusals = 1;
    smtp.refuseRecipient = () =>
      refusals-- > 0 ? { code: 451, message: '4.3.0 try again later' } : null;
    dataDir = newDataDir();
    writeFileSync(
      join(dataDir, 'rules.yaml'),
      `
rules:
  - name: weekly
    digest: weekly
    day: Mon
    at: "09:00"
    timeZone: America/New_York
    send:
      - channel: email
        to: [boss@example.com]
        subject: "[{{rule}}] {{period}}"
`,
    );
    t = await createTestApp({
      dataDir,
      clock,
      env: {
        NOTIFICATIONS_FILE: join(dataDir, 'rules.yaml'),
        SMTP_URL: smtp.url(),
        SUPPORT_AGENTS: 'agent-*',
        RETRY_SCHEDULE: '2m,10m',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    removeDataDir(dataDir);
  });

  it('a 451 is logged and retried after RETRY_SCHEDULE, with the same Message-ID', async () => {
    await eventually(async () =>
      expect(await attempts()).toEqual([['2026-11-16/2026-11-22', 'failed', 451]]),
    );
    expect(smtp.mails).toHaveLength(0);
    // Not before the retry's time.
    clock.at = new Date('2026-11-30T13:01:59Z');
    await tick();
    expect(smtp.mails).toHaveLength(0);

    clock.at = new Date('2026-11-30T13:02:00Z');
    await tick();
    await tick();
    expect(smtp.mails).toHaveLength(1);
    const [{ mail }] = smtp.mails;
    expect(mail.subject).toBe('[weekly] Mon 16 Nov 2026 – Sun 22 Nov 2026');
    expect(mail.messageId).toBe('<digest-weekly-email-2026-11-16@kommhook>');
    expect(mail.text).toContain(
      'Weekly support digest: Mon 16 Nov 2026 – Sun 22 Nov 2026\nTimes of day in America/New_York. Compared with Mon 9 Nov 2026 – Sun 15 Nov 2026.\n',
    );
    expect(await attempts()).toEqual([
      ['2026-11-16/2026-11-22', 'sent', 250],
      ['2026-11-16/2026-11-22', 'failed', 451],
    ]);
  });

  it('at 09:00 Monday in New York, the week just ended goes out, once', async () => {
    clock.at = new Date('2026-11-30T14:00:00Z');
    await Promise.all([tick(), tick()]);
    await tick();
    expect(smtp.mails.map(({ mail }) => mail.subject)).toEqual([
      '[weekly] Mon 16 Nov 2026 – Sun 22 Nov 2026',
      '[weekly] Mon 23 Nov 2026 – Sun 29 Nov 2026',
    ]);
    const rows = await t.db
      .selectFrom('notification_digests')
      .select(['status', 'attempts', 'error'])
      .orderBy('period_start')
      .execute();
    expect(rows.map((row) => [row.status, Number(row.attempts), row.error])).toEqual([
      ['sent', 2, null],
      ['sent', 1, null],
    ]);
  });
});
