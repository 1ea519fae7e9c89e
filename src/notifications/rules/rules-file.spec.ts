import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, RulesSource } from './rules-file';

const ROOT = join(__dirname, '..', '..', '..');
const ENV = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', CRM_TOKEN: 'crm' };
const source = (file: string): RulesSource => ({
  file,
  env: ENV,
  smtpConfigured: true,
  kommunicateConfigured: true,
});

describe('the documented rules files load', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('notifications.example.yaml', () => {
    const rules = loadRules(source(join(ROOT, 'notifications.example.yaml')));
    expect(rules.map((rule) => [rule.name, rule.channels.map((c) => c.id)])).toEqual([
      ['offline-email', ['email']],
      ['refund-alert', ['slack']],
      ['out-of-hours-reply', ['kommunicate-reply']],
      ['billing-attachments', ['webhook']],
    ]);
  });

  it("the README's three examples", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
    const names = blocks.map((block, index) => {
      const file = join(dir, `readme-${index}.yaml`);
      writeFileSync(file, block);
      return loadRules(source(file)).map((rule) => rule.name);
    });
    expect(names).toEqual([['offline-email'], ['refund-alert'], ['out-of-hours-reply']]);
  });
});

describe('loadRules', () => {
  it('turns NOTIFY_WEBHOOK_URL into the offline-webhook rule', () => {
    const [rule] = loadRules({
      webhookUrl: 'https://hooks.example.com/offline',
      env: {},
      smtpConfigured: false,
      kommunicateConfigured: false,
    });
    expect(rule).toMatchObject({
      name: 'offline-webhook',
      events: ['message.received'],
      channels: [
        { id: 'webhook', config: { channel: 'webhook', url: 'https://hooks.example.com/offline' } },
      ],
      throttle: null,
    });
  });

  it('numbers repeated channels of one type and reads the throttle window', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kommhook-rules-'));
    try {
      const file = join(dir, 'rules.json');
      writeFileSync(
        file,
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
      );
      const [rule] = loadRules(source(file));
      expect(rule.channels.map((c) => c.id)).toEqual(['webhook', 'webhook-2']);
      expect(rule.throttle).toEqual({ max: 3, windowMs: 7_200_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports every problem of every rule at once, never a secret value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kommhook-rules-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(
        file,
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
      let message = '';
      try {
        loadRules({ ...source(file), env: { HOOK: 'ftp://secret-host' } });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message.split('\n')).toEqual([
        `NOTIFICATIONS_FILE: invalid rules in ${file}:`,
        '  rule "one": on: must be among message.received, message.attachment-received, conversation.started',
        '  rule "one": send[0].url: must be an http(s) URL',
        '  rule "one": name: another rule has the same name',
        '  rule #3: name: must be 1-64 lower-case letters, digits, _ or -',
        '  rule #3: send: should not be empty',
      ]);
      expect(message).not.toContain('secret-host');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
