import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelDefinition } from '../channels/channel.decorator';
import { EmailChannel } from '../channels/email.channel';
import type { NotificationSettings } from '../channels/notification-channel';
import { WebhookChannel } from '../channels/webhook.channel';
import { loadRuleSet, type RuleContext } from '../rules/rule-compiler';

const SETTINGS: NotificationSettings = {
  rulesFile: undefined,
  webhookUrl: undefined,
  supportRoles: true,
  timeoutMs: 5000,
  smtpUrl: 'smtp://127.0.0.1:2525',
  emailFrom: 'kommhook <kommhook@localhost>',
  kommunicate: { apiUrl: 'https://kommunicate.invalid', apiKey: undefined, replyUser: 'bot' },
};
const CONTEXT: RuleContext = {
  channels: [WebhookChannel, EmailChannel].map(channelDefinition),
  settings: SETTINGS,
};

describe('digest rules', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-digests-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (yaml: string, context = CONTEXT) => {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, yaml);
    return loadRuleSet({ file, env: { LEAD: 'lead@example.test' } }, context);
  };
  const problemsOf = (yaml: string, context = CONTEXT): string[] => {
    try {
      load(yaml, context);
    } catch (error) {
      return (error as Error).message.split('\n').slice(1);
    }
    throw new Error('expected the rules to be refused');
  };

  it('compiles daily and weekly digests beside event rules', () => {
    const set = load(`
rules:
  - name: offline
    on: message.received
    send: [{ channel: webhook, url: 'https://example.test/hook' }]
  - name: morning
    digest: daily
    at: '08:00'
    send:
      - { channel: email, to: ['\${LEAD}'] }
      - { channel: email, to: [ops@example.test], subject: 'Digest {{rule}} {{period}}' }
  - name: weekly
    digest: weekly
    at: '07:30'
    day: Mon
    timeZone: America/New_York
    send: [{ channel: email, to: [boss@example.test], from: 'Support <support@example.test>' }]
`);
    expect(set.rules.map((rule) => rule.name)).toEqual(['offline']);
    expect(set.digests).toEqual([
      {
        name: 'morning',
        schedule: { every: 'daily', at: 480, timeZone: undefined },
        channels: [
          { id: 'email', config: { channel: 'email', to: ['lead@example.test'] } },
          {
            id: 'email-2',
            config: {
              channel: 'email',
              to: ['ops@example.test'],
              subject: 'Digest {{rule}} {{period}}',
            },
          },
        ],
      },
      {
        name: 'weekly',
        schedule: { every: 'weekly', at: 450, day: 'mon', timeZone: 'America/New_York' },
        channels: [
          {
            id: 'email',
            config: {
              channel: 'email',
              to: ['boss@example.test'],
              from: 'Support <support@example.test>',
            },
          },
        ],
      },
    ]);
  });

  it('reports every problem with the rule and the field', () => {
    expect(
      problemsOf(`
rules:
  - name: a
    digest: hourly
    at: '8:00'
    send: [{ channel: slack, url: 'https://example.test' }]
  - name: b
    digest: weekly
    at: '24:00'
    timeZone: Mars/Olympus
    on: message.received
    send: [{ channel: email, to: [nobody], subject: '{{from}}' }]
  - name: c
    digest: daily
    at: '09:00'
    day: tue
    send: []
  - name: a
    on: message.received
    send: [{ channel: webhook, url: 'https://example.test/hook' }]
`),
    ).toEqual([
      '  rule "a": digest: must be one of daily, weekly',
      '  rule "a": at: must be a local time HH:MM',
      '  rule "a": send[0].url: property url should not exist',
      '  rule "a": send[0].channel: digests are sent by e-mail only: channel must be email',
      '  rule "a": send[0].to: must hold e-mail addresses',
      '  rule "b": on: property on should not exist',
      '  rule "b": at: must be a local time HH:MM',
      '  rule "b": timeZone: unknown time zone Mars/Olympus',
      '  rule "b": day: a weekly digest needs a day (sun, mon, tue, wed, thu, fri, sat)',
      '  rule "b": send[0].to: must hold e-mail addresses',
      '  rule "b": send[0].subject: unknown fields from',
      '  rule "c": send: should not be empty',
      '  rule "c": day: only a weekly digest has a day',
      '  rule "a": name: another rule has the same name',
    ]);
  });

  it('needs SMTP_URL', () => {
    expect(
      problemsOf(
        `
rules:
  - { name: d, digest: daily, at: '08:00', send: [{ channel: email, to: [a@example.test] }] }
`,
        { ...CONTEXT, settings: { ...SETTINGS, smtpUrl: undefined } },
      ),
    ).toEqual(['  rule "d": send[0].channel: e-mail needs SMTP_URL to be set']);
  });
});
