import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelDefinition } from '../channels/channel.decorator';
import { EmailChannel } from '../channels/email.channel';
import { KommunicateReplyChannel } from '../channels/kommunicate-reply.channel';
import type { NotificationSettings } from '../channels/notification-channel';
import { SlackChannel } from '../channels/slack.channel';
import { WebhookChannel, WebhookChannelDto } from '../channels/webhook.channel';
import { loadRules, loadRuleSet, RuleContext } from './rule-compiler';
import type { RulesSource } from './rules-source';

const ROOT = join(__dirname, '..', '..', '..');
const ENV = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', CRM_TOKEN: 'crm' };

/** The channels as the registry lists them, read from the classes themselves. */
const CHANNELS = [WebhookChannel, SlackChannel, EmailChannel, KommunicateReplyChannel].map(
  channelDefinition,
);

const SETTINGS: NotificationSettings = {
  rulesFile: undefined,
  webhookUrl: undefined,
  supportRoles: true,
  timeoutMs: 5000,
  smtpUrl: 'smtp://127.0.0.1:2525',
  emailFrom: 'kommhook <kommhook@localhost>',
  kommunicate: {
    apiUrl: 'https://services.kommunicate.io',
    apiKey: 'api-key',
    replyUser: 'kommhook-bot',
  },
};
const CONTEXT: RuleContext = { channels: CHANNELS, settings: SETTINGS };

const source = (file: string): RulesSource => ({ file, env: ENV });

/** The message loadRules stops the start with; fails the test when it does not throw. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    return (error as Error).message.split('\n');
  }
  throw new Error('expected loadRules to throw');
}

describe('the documented rules files load', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('notifications.example.yaml', () => {
    const rules = loadRules(source(join(ROOT, 'notifications.example.yaml')), CONTEXT);
    expect(rules.map((rule) => [rule.name, rule.channels.map((c) => c.id)])).toEqual([
      ['offline-email', ['email']],
      ['refund-alert', ['slack']],
      ['out-of-hours-reply', ['kommunicate-reply']],
      ['billing-attachments', ['webhook']],
    ]);
  });

  it("the README's examples", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
    const names = blocks.map((block, index) => {
      const file = join(dir, `readme-${index}.yaml`);
      writeFileSync(file, block);
      const { rules, digests } = loadRuleSet(source(file), CONTEXT);
      return [...rules, ...digests].map((rule) => rule.name);
    });
    expect(names).toEqual([
      ['offline-email'],
      ['refund-alert'],
      ['out-of-hours-reply'],
      ['morning-digest'],
      ['waiting-customer'],
    ]);
  });
});

describe('loadRules', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-rules-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const rulesFile = (text: string, name = 'rules.yaml'): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('turns NOTIFY_WEBHOOK_URL into the offline-webhook rule', () => {
    const [rule] = loadRules({ webhookUrl: 'https://hooks.example.com/offline', env: {} }, CONTEXT);
    expect(rule).toMatchObject({
      name: 'offline-webhook',
      events: ['message.received'],
      channels: [
        { id: 'webhook', config: { channel: 'webhook', url: 'https://hooks.example.com/offline' } },
      ],
      throttle: null,
    });
    // The options are the channel's own class, as its send takes them.
    expect(rule.channels[0].config).toBeInstanceOf(WebhookChannelDto);
  });

  it('numbers repeated channels of one type and reads the throttle window', () => {
    const file = rulesFile(
      JSON.stringify({
        rules: [
          {
            name: 'two-hooks',
            on: 'message.received',
            send: [
              { channel: 'webhook', url: 'https://a.example/x' },
              { channel: 'webhook', url: 'https://b.example/y' },
            ],
            throttle: { max: 3, per: '2h' },
          },
        ],
      }),
      'rules.json',
    );
    const [rule] = loadRules(source(file), CONTEXT);
    expect(rule.channels.map((c) => c.id)).toEqual(['webhook', 'webhook-2']);
    expect(rule.throttle).toEqual({ max: 3, windowMs: 7_200_000 });
  });

  it('reports every problem of every rule at once, never a secret value', () => {
    const file = rulesFile(
      `rules:
  - name: one
    on: message.sent
    send: [{ channel: webhook, url: "\${HOOK}/x" }]
  - name: one
    on: message.received
    send: [{ channel: webhook, url: "https://x.example" }]
  - on: message.received
    send: []
`,
    );
    const problems = problemsOf(() =>
      loadRules({ ...source(file), env: { HOOK: 'ftp://secret-host' } }, CONTEXT),
    );
    expect(problems).toEqual([
      `NOTIFICATIONS_FILE: invalid rules in ${file}:`,
      '  rule "one": on: must be among message.received, message.attachment-received, conversation.started',
      '  rule "one": send[0].url: must be an http(s) URL',
      '  rule "one": name: another rule has the same name',
      '  rule #3: name: must be 1-64 lower-case letters, digits, _ or -',
      '  rule #3: send: should not be empty',
    ]);
    expect(problems.join('\n')).not.toContain('secret-host');
  });

  it('an unknown channel type stops the start, listing the channels there are', () => {
    const file = rulesFile(
      `rules:
  - name: pager
    on: message.received
    send: [{ channel: pager, number: "555" }, { url: "https://x.example" }]
`,
    );
    expect(problemsOf(() => loadRules(source(file), CONTEXT))).toEqual([
      `NOTIFICATIONS_FILE: invalid rules in ${file}:`,
      '  rule "pager": send[0].channel: must be one of webhook, slack, email, kommunicate-reply',
      '  rule "pager": send[1].channel: must be one of webhook, slack, email, kommunicate-reply',
    ]);
  });

  it("checks each entry against its channel's options: fields, templates, settings", () => {
    const file = rulesFile(
      `rules:
  - name: mixed
    on: message.received
    send:
      - { channel: slack, url: "https://hooks.example/x", template: "{{sender}} {{text}}", colour: red }
      - { channel: email, to: [not-an-address], subject: "{{rule}} {{nope}}", timeoutMs: 5 }
      - { channel: kommunicate-reply, template: "Back at nine, {{from}}" }
`,
    );
    const settings = { ...SETTINGS, smtpUrl: undefined };
    const withoutKey = { ...settings, kommunicate: { ...SETTINGS.kommunicate, apiKey: undefined } };
    expect(
      problemsOf(() => loadRules(source(file), { channels: CHANNELS, settings: withoutKey })),
    ).toEqual([
      `NOTIFICATIONS_FILE: invalid rules in ${file}:`,
      '  rule "mixed": send[0].colour: property colour should not exist',
      '  rule "mixed": send[0].template: unknown fields sender',
      '  rule "mixed": send[1].to: must hold e-mail addresses',
      '  rule "mixed": send[1].subject: unknown fields nope',
      '  rule "mixed": send[1].timeoutMs: must not be less than 100',
      '  rule "mixed": send[1].channel: e-mail needs SMTP_URL to be set',
      '  rule "mixed": send[2].channel: kommunicate-reply needs KOMMUNICATE_API_KEY to be set',
    ]);
  });
});

describe('alert rules (on: conversation.unanswered)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-rules-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const rulesFile = (text: string): string => {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('plans the ladder: steps from the wait start, channel ids across steps, the repeat', () => {
    const file = rulesFile(`rules:
  - name: waiting
    on: conversation.unanswered
    after: 15m
    clock: business-hours
    send: [{ channel: slack, url: "https://hooks.example/a" }]
    escalate:
      - after: 45m
        send: [{ channel: slack, url: "https://hooks.example/b" }, { channel: email, to: [lead@example.com] }]
    repeat: 2
`);
    const [rule] = loadRules(source(file), CONTEXT);
    expect(rule.events).toEqual(['message.received']);
    expect(rule.unanswered).toMatchObject({
      clock: 'business-hours',
      repeat: 2,
      steps: [
        { afterMs: 900_000, channels: [{ id: 'slack' }] },
        { afterMs: 2_700_000, channels: [{ id: 'slack-2' }, { id: 'email' }] },
      ],
    });
    expect(rule.channels.map((c) => c.id)).toEqual(['slack', 'slack-2', 'email']);
  });

  it('refuses alerts and digests while nobody is known to be an agent or a bot', () => {
    const file = rulesFile(`rules:
  - name: waiting
    on: conversation.unanswered
    after: 15m
    send: [{ channel: slack, url: "https://hooks.example/a" }]
  - name: morning
    digest: daily
    at: "08:00"
    send: [{ channel: email, to: [lead@example.com] }]
`);
    const withoutRoles = { ...CONTEXT, settings: { ...SETTINGS, supportRoles: false } };
    expect(() => loadRules(source(file), withoutRoles)).toThrow(
      /rule "waiting": on: needs SUPPORT_AGENTS, SUPPORT_BOTS or SUPPORT_ROLE_METADATA_KEY[^\n]*\n {2}rule "morning": digest: needs SUPPORT_AGENTS/,
    );
  });

  it('the wall clock is the default, and seconds are allowed', () => {
    const file = rulesFile(`rules:
  - { name: quick, on: conversation.unanswered, after: 2s, send: [{ channel: webhook, url: "https://x.example" }] }
`);
    const [rule] = loadRules(source(file), CONTEXT);
    expect(rule.unanswered).toEqual({
      clock: 'wall',
      repeat: 0,
      steps: [{ afterMs: 2000, channels: [expect.objectContaining({ id: 'webhook' })] }],
    });
  });

  it('a bad after, clock, ladder or channel stops the start, each named', () => {
    const file = rulesFile(`rules:
  - name: bad
    on: [conversation.unanswered, message.received]
    after: 15 minutes
    clock: office
    send: [{ channel: kommunicate-reply }]
    escalate:
      - after: 10m
        send: [{ channel: webhook, url: "https://x.example" }]
      - after: 5m
        send: []
      - after: 1d
        send: [{ channel: webhook, url: "https://y.example" }]
    repeat: -1
`);
    expect(problemsOf(() => loadRules(source(file), CONTEXT))).toEqual([
      `NOTIFICATIONS_FILE: invalid rules in ${file}:`,
      '  rule "bad": on: must be conversation.unanswered alone in an alert rule',
      '  rule "bad": after: must be a duration in s, m or h, such as 90s, 15m or 2h',
      '  rule "bad": clock: must be one of wall, business-hours',
      '  rule "bad": escalate.1.send: should not be empty',
      '  rule "bad": escalate.2.after: must be a duration in s, m or h, such as 90s, 15m or 2h',
      '  rule "bad": repeat: must not be less than 0',
      '  rule "bad": send[0].channel: kommunicate-reply cannot send alerts (use webhook, slack, email)',
      '  rule "bad": escalate.1.after: must be later than the step before (each counts from the wait start)',
    ]);
  });
});
