import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { MessageDetail } from '../src/admin/views/message.view';
import type { NotificationEntry } from '../src/notifications/notification-log';
import { HttpRecorder } from './support/http-recorder';
import { addressList, SmtpRecorder } from './support/smtp-recorder';
import {
  createTestApp,
  eventually,
  FixedClock,
  message,
  newDataDir,
  removeDataDir,
  TestApp,
} from './support/test-app';

/** Writes a rules file into a fresh data directory and boots the app on it. */
async function appWithRules(
  rules: string,
  env: Record<string, string> = {},
  clock?: FixedClock,
): Promise<TestApp> {
  const dataDir = newDataDir();
  const file = join(dataDir, 'notifications.yaml');
  writeFileSync(file, rules);
  return createTestApp({ dataDir, clock, env: { NOTIFICATIONS_FILE: file, ...env } });
}

const keysAt = (recorder: HttpRecorder, path: string): string[] =>
  recorder
    .to(path)
    .map((r) => (r.json as { key: string }).key)
    .sort();

const notificationDeliveries = async (t: TestApp, key: string): Promise<string[]> =>
  ((await t.admin(`/api/messages/${key}`).expect(200)).body as MessageDetail).deliveries
    .map((d) => d.listener)
    .filter((listener) => listener.startsWith('notifications.'));

describe('notification rules: each condition', () => {
  let t: TestApp;
  let sink: HttpRecorder;
  const clock = new FixedClock(new Date('2026-11-25T09:00:00Z'));
  // Berlin is UTC+1 in November: 2026-11-25 is a Wednesday.
  const WINDOW = `{ timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }`;

  beforeAll(async () => {
    sink = await HttpRecorder.start();
    const rule = (name: string, when: string) => `
  - name: ${name}
    on: message.received
    when: ${when}
    send: [{ channel: webhook, url: "${sink.url}/r/${name}" }]`;
    t = await appWithRules(
      `rules:${[
        rule('offline', '{ receiverConnected: false }'),
        rule('attachment', '{ hasAttachment: true }'),
        rule('images', '{ contentType: "image/*" }'),
        rule('keywords', '{ text: { matches: "refund|cancel", ignoreCase: true } }'),
        rule('case-sensitive', '{ text: { matches: "Refund" } }'),
        rule('vip', '{ conversation: [777, client-abc] }'),
        rule('from-alice', '{ from: { in: [alice] } }'),
        rule('not-bots', '{ from: { notIn: [bot-1] } }'),
        rule('assigned', '{ metadata: { KM_ASSIGN_TO: { exists: true } } }'),
        rule('unassigned', '{ metadata: { KM_ASSIGN_TO: { exists: false } } }'),
        rule('billing', '{ metadata: { category: billing } }'),
        rule('after-hours', `{ time: { outside: ${WINDOW} } }`),
        rule('business-hours', `{ time: { inside: ${WINDOW} } }`),
        rule('urgent-offline', '{ receiverConnected: false, text: { matches: urgent } }'),
      ].join('')}\n`,
      {},
      clock,
    );
  });

  afterAll(async () => {
    await t.close();
    await sink.stop();
    removeDataDir(t.dataDir);
  });

  it('sends for exactly the messages whose every condition holds', async () => {
    const sent = {
      // Wednesday 10:00 in Berlin.
      m1: {
        at: '2026-11-25T09:00:00Z',
        m: message({ receiverConnected: false, message: 'Hello', from: 'bob', groupId: 100 }),
      },
      // Wednesday 20:00.
      m2: {
        at: '2026-11-25T19:00:00Z',
        m: message({
          from: 'alice',
          message: 'pic',
          groupId: 101,
          file: {
            name: 'a.png',
            url: 'https://cdn.example/a.png',
            contentType: 'image/png',
            size: 10,
          },
        }),
      },
      // Saturday 11:00.
      m3: {
        at: '2026-11-28T10:00:00Z',
        m: message({
          from: 'carol',
          message: 'I want a REFUND',
          groupId: 777,
          file: {
            name: 'a.pdf',
            url: 'https://cdn.example/a.pdf',
            contentType: 'application/pdf',
            size: 10,
          },
        }),
      },
      // Monday 08:59.
      m4: {
        at: '2026-11-30T07:59:00Z',
        m: message({
          from: 'bot-1',
          message: 'Refund issued',
          groupId: 555,
          clientGroupId: 'client-abc',
          metadata: { KM_ASSIGN_TO: 'agent-7', category: 'billing' },
        }),
      },
      // Friday 16:59.
      m5: {
        at: '2026-11-27T15:59:00Z',
        m: message({
          receiverConnected: false,
          message: 'urgent please',
          from: 'dave',
          groupId: 102,
        }),
      },
    };
    for (const { at, m } of Object.values(sent)) {
      clock.at = new Date(at);
      await t.deliver(m).expect(200);
    }
    const key = (name: keyof typeof sent): string => sent[name].m.key;
    const expected: Record<string, string[]> = {
      offline: [key('m1'), key('m5')],
      attachment: [key('m2'), key('m3')],
      images: [key('m2')],
      keywords: [key('m3'), key('m4')],
      'case-sensitive': [key('m4')],
      vip: [key('m3'), key('m4')],
      'from-alice': [key('m2')],
      'not-bots': [key('m1'), key('m2'), key('m3'), key('m5')],
      assigned: [key('m4')],
      unassigned: [key('m1'), key('m2'), key('m3'), key('m5')],
      billing: [key('m4')],
      'after-hours': [key('m2'), key('m3'), key('m4')],
      'business-hours': [key('m1'), key('m5')],
      'urgent-offline': [key('m5')],
    };
    await eventually(() => {
      for (const [rule, keys] of Object.entries(expected)) {
        expect({ rule, keys: keysAt(sink, `/r/${rule}`) }).toEqual({
          rule,
          keys: [...keys].sort(),
        });
      }
    });
    // Nothing else arrived, and non-matching events got no delivery at all.
    const total = Object.values(expected).reduce((sum, keys) => sum + keys.length, 0);
    expect(sink.requests).toHaveLength(total);
    expect(await notificationDeliveries(t, key('m4'))).toHaveLength(6);
  });
});

describe('notification rules: channels, throttle, loops, retries', () => {
  let t: TestApp;
  let hooks: HttpRecorder;
  let kommunicate: HttpRecorder;
  let smtp: SmtpRecorder;
  const clock = new FixedClock(new Date('2026-11-25T20:00:00Z'));

  beforeAll(async () => {
    hooks = await HttpRecorder.start();
    kommunicate = await HttpRecorder.start();
    smtp = await SmtpRecorder.start();

    t = await appWithRules(
      `
rules:
  - name: offline-email
    on: message.received
    when: { receiverConnected: false, text: { matches: "^mail" } }
    send:
      - channel: email
        to: [support@example.com]
        subject: "Offline message from {{from}}"
        template: "{{from}} wrote in {{conversation}}:\\n{{text}}"
  - name: slack-keywords
    on: [message.received]
    when: { text: { matches: "refund|cancel", ignoreCase: true } }
    send:
      - channel: slack
        url: "${hooks.url}/slack"
        template: "Keyword from {{from}}: {{text}}"
  - name: out-of-hours
    on: message.received
    when:
      text: { matches: "^closed" }
      time: { outside: { timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" } }
    send:
      - channel: kommunicate-reply
        template: "Thanks {{from}}, we are closed. We'll answer tomorrow."
  - name: throttled
    on: message.received
    when: { text: { matches: "^throttle" } }
    throttle: { max: 2, per: 1h }
    send: [{ channel: webhook, url: "${hooks.url}/throttled" }]
  - name: flaky
    on: message.received
    when: { text: { matches: "^flaky" } }
    send:
      - channel: webhook
        url: "${hooks.url}/flaky"
        headers: { Authorization: "Bearer \${HOOK_SECRET}" }
  - name: rejecting
    on: message.received
    when: { text: { matches: "^reject" } }
    send: [{ channel: webhook, url: "${hooks.url}/reject" }]
  - name: listed
    on: message.received
    when: { text: { matches: "^list" } }
    send: [{ channel: webhook, url: "${hooks.url}/listed" }]
`,
      {
        SMTP_URL: smtp.url(),
        NOTIFY_EMAIL_FROM: 'kommhook <alerts@example.com>',
        KOMMUNICATE_API_URL: kommunicate.url,
        KOMMUNICATE_API_KEY: 'kommunicate-api-key-123',
        KOMMUNICATE_REPLY_USER: 'kommhook-bot',
        HOOK_SECRET: 'hook-secret-456',
        RETRY_SCHEDULE: '100ms,200ms,300ms',
        DELIVERY_POLL_MS: '20',
      },
      clock,
    );
  });

  afterAll(async () => {
    await t.close();
    await hooks.stop();
    await kommunicate.stop();
    await smtp.stop();
    removeDataDir(t.dataDir);
  });

  const log = async (query: string): Promise<NotificationEntry[]> =>
    (
      (await t.admin(`/api/notifications?${query}`).expect(200)).body as {
        items: NotificationEntry[];
      }
    ).items;

  it('e-mails through a real SMTP server, in plain text and escaped HTML', async () => {
    const m = message({
      receiverConnected: false,
      from: 'eve',
      groupId: 300,
      message: 'mail me <b>now</b> & "then"',
    });
    await t.deliver(m).expect(200);
    const [{ mail }] = await eventually(() => {
      expect(smtp.mails).toHaveLength(1);
      return smtp.mails;
    });
    expect(mail.subject).toBe('Offline message from eve');
    expect(addressList(mail.to)).toEqual(['support@example.com']);
    expect(addressList(mail.from)).toEqual(['kommhook <alerts@example.com>']);
    expect(mail.text?.trim()).toBe('eve wrote in group:300:\nmail me <b>now</b> & "then"');
    expect(mail.html).toContain('mail me &lt;b&gt;now&lt;/b&gt; &amp; &quot;then&quot;');
    expect(mail.html).not.toContain('<b>now</b>');
    // The SMTP server's reply to the message is the far side's status.
    await eventually(async () =>
      expect(await log('rule=offline-email')).toMatchObject([
        { status: 'sent', remoteStatus: 250, messageKey: m.key, error: null },
      ]),
    );
  });

  it('posts a Slack incoming-webhook body for a keyword', async () => {
    const m = message({
      from: 'frank',
      groupId: 301,
      message: 'Please CANCEL <my> order & refund',
    });
    await t.deliver(m).expect(200);
    const [slack] = await eventually(() => {
      expect(hooks.to('/slack')).toHaveLength(1);
      return hooks.to('/slack');
    });
    expect(slack.method).toBe('POST');
    expect(slack.headers['content-type']).toBe('application/json');
    expect(slack.json).toEqual({
      text: 'Keyword from frank: Please CANCEL &lt;my&gt; order &amp; refund',
      blocks: expect.arrayContaining([expect.objectContaining({ type: 'section' })]) as unknown,
    });
    expect(JSON.stringify(slack.json)).toContain('group:301');
    await eventually(async () =>
      expect(await log('rule=slack-keywords')).toMatchObject([
        { status: 'sent', remoteStatus: 200, messageKey: m.key },
      ]),
    );
  });

  it('replies into the conversation out of hours, and never answers its own reply', async () => {
    clock.at = new Date('2026-11-25T20:00:00Z'); // Wednesday 21:00 in Berlin
    const m = message({ from: 'gina', groupId: 302, message: 'closed already?' });
    await t.deliver(m).expect(200);
    const [reply] = await eventually(() => {
      expect(kommunicate.requests).toHaveLength(1);
      return kommunicate.requests;
    });
    expect(reply.method).toBe('POST');
    expect(reply.path).toBe('/rest/ws/message/v2/send');
    expect(reply.headers['api-key']).toBe('kommunicate-api-key-123');
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.json).toEqual({
      groupId: '302',
      message: "Thanks gina, we are closed. We'll answer tomorrow.",
      fromUserName: 'kommhook-bot',
      metadata: { KOMMHOOK_REPLY: 'true' },
    });
    await eventually(async () =>
      expect(await log('rule=out-of-hours')).toMatchObject([
        { status: 'sent', remoteStatus: 200, messageKey: m.key },
      ]),
    );

    // Kommunicate sends kommhook's reply back through the webhook, like any message.
    const echo = message({ from: 'kommhook-bot', groupId: 302, message: 'closed: Thanks gina' });
    const marked = message({
      from: 'agent-1',
      groupId: 302,
      message: 'closed too',
      metadata: { KOMMHOOK_REPLY: 'true' },
    });
    await t.deliver(echo).expect(200);
    await t.deliver(marked).expect(200);
    expect(await notificationDeliveries(t, echo.key)).toEqual([]);
    expect(await notificationDeliveries(t, marked.key)).toEqual([]);

    // Inside business hours the same text gets no reply.
    clock.at = new Date('2026-11-26T10:00:00Z'); // Thursday 11:00
    const inHours = message({ from: 'hal', groupId: 303, message: 'closed?' });
    await t.deliver(inHours).expect(200);
    expect(await notificationDeliveries(t, inHours.key)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(kommunicate.requests).toHaveLength(1);
  });

  it('throttles a rule per conversation within its window', async () => {
    clock.at = new Date('2026-11-25T12:00:00Z');
    const inA = [1, 2, 3, 4].map((n) => message({ groupId: 400, message: `throttle ${n}` }));
    const inB = message({ groupId: 401, message: 'throttle b' });
    for (const m of [...inA, inB]) await t.deliver(m).expect(200);

    await eventually(async () => {
      const entries = await log('rule=throttled');
      expect(entries.map((e) => [e.status, e.remoteStatus]).sort()).toEqual([
        ['sent', 200],
        ['sent', 200],
        ['sent', 200],
        ['throttled', null],
        ['throttled', null],
      ]);
    });
    expect(keysAt(hooks, '/throttled')).toEqual([inA[0].key, inA[1].key, inB.key].sort());

    // An hour later the conversation may be notified again.
    clock.at = new Date('2026-11-25T13:00:01Z');
    const later = message({ groupId: 400, message: 'throttle later' });
    await t.deliver(later).expect(200);
    await eventually(() => expect(keysAt(hooks, '/throttled')).toContain(later.key));
  });

  it('retries a failing channel until it gets through, with secrets from the environment', async () => {
    let calls = 0;
    const previous = hooks.reply;
    hooks.reply = (r) => (r.path === '/flaky' && ++calls <= 2 ? { status: 500 } : previous(r));
    const m = message({ groupId: 500, message: 'flaky one' });
    await t.deliver(m).expect(200);

    await eventually(async () => {
      const detail = (await t.admin(`/api/messages/${m.key}`).expect(200)).body as MessageDetail;
      const delivery = detail.deliveries.find((d) => d.listener === 'notifications.flaky.webhook');
      expect(delivery).toMatchObject({ status: 'done', attempts: 3 });
    });
    const attempts = hooks.to('/flaky');
    expect(attempts).toHaveLength(3);
    expect(attempts.every((r) => r.headers.authorization === 'Bearer hook-secret-456')).toBe(true);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);

    const entries = await log('rule=flaky');
    expect(entries.map((e) => [e.status, e.remoteStatus])).toEqual([
      ['sent', 200],
      ['failed', 500],
      ['failed', 500],
    ]);
    expect(entries[1].error).toContain('answered 500');
    expect(entries[1].error).not.toContain('hook-secret-456');
    hooks.reply = previous;
  });

  it('sends a delivery whose channel answers 400 to dead, with the status recorded', async () => {
    const previous = hooks.reply;
    hooks.reply = (r) => (r.path === '/reject' ? { status: 400, body: 'bad' } : previous(r));
    const m = message({ groupId: 501, message: 'reject me' });
    await t.deliver(m).expect(200);

    await eventually(async () => {
      const detail = (await t.admin(`/api/messages/${m.key}`).expect(200)).body as MessageDetail;
      const delivery = detail.deliveries.find(
        (d) => d.listener === 'notifications.rejecting.webhook',
      );
      expect(delivery).toMatchObject({ status: 'dead', attempts: 1 });
      expect(delivery?.lastError).toContain('answered 400');
    });
    expect(hooks.to('/reject')).toHaveLength(1);
    const [entry] = await log('status=rejected&channel=webhook');
    expect(entry).toMatchObject({
      rule: 'rejecting',
      status: 'rejected',
      remoteStatus: 400,
      messageKey: m.key,
    });
    hooks.reply = previous;
  });

  it('lists notifications only with the admin token, and checks its query', async () => {
    // Its own notifications: the log holds more than a page whichever tests ran before.
    for (const n of [1, 2, 3]) {
      await t.deliver(message({ groupId: 600, message: `list ${n}` })).expect(200);
    }
    await eventually(async () => expect(await log('rule=listed')).toHaveLength(3));

    await request(t.http).get('/api/notifications').expect(401);
    const bad = await t.admin('/api/notifications?status=lost').expect(400);
    expect(bad.body).toMatchObject({ code: 'ADMIN.INVALID_QUERY', errors: [{ field: 'status' }] });
    const page = (await t.admin('/api/notifications?limit=2').expect(200)).body as {
      items: NotificationEntry[];
      nextCursor: string | null;
    };
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
  });
});

describe('notification rules file errors', () => {
  it.each([
    [
      'a bad regular expression',
      `rules:\n  - name: bad-rule\n    on: message.received\n    when: { text: { matches: "(" } }\n    send: [{ channel: webhook, url: "http://127.0.0.1:9/x" }]\n`,
      /rule "bad-rule": when\.text\.matches: must be a valid regular expression/,
    ],
    [
      'an unknown condition',
      `rules:\n  - name: typo\n    on: message.received\n    when: { recieverConnected: false }\n    send: [{ channel: webhook, url: "http://127.0.0.1:9/x" }]\n`,
      /rule "typo": when\.recieverConnected: property recieverConnected should not exist/,
    ],
    [
      'an unset environment variable',
      `rules:\n  - name: secretless\n    on: message.received\n    send: [{ channel: slack, url: "\${NO_SUCH_VARIABLE_X}" }]\n`,
      /rule "secretless": send\[0\]\.url: environment variable NO_SUCH_VARIABLE_X is not set/,
    ],
    [
      'e-mail without SMTP_URL',
      `rules:\n  - name: mail\n    on: message.received\n    send: [{ channel: email, to: [a@example.com] }]\n`,
      /rule "mail": send\[0\]\.channel: e-mail needs SMTP_URL to be set/,
    ],
    [
      'an unknown template field',
      `rules:\n  - name: tpl\n    on: message.received\n    send: [{ channel: slack, url: "http://127.0.0.1:9/x", template: "{{sender}}" }]\n`,
      /rule "tpl": send\[0\]\.template: unknown fields sender/,
    ],
  ])('%s stops the start with a message naming the rule', async (_case, rules, expected) => {
    await expect(appWithRules(rules)).rejects.toThrow(expected);
  });
});
