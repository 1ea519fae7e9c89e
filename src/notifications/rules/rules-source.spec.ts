import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../config/environment';
import { readRules } from './rules-source';

describe('readRules', () => {
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

  it('takes ${NAME} from the environment, anywhere in a rule', () => {
    const file = rulesFile(`rules:
  - name: crm
    on: message.received
    send:
      - channel: webhook
        url: "\${CRM_URL}/hooks?team=\${TEAM}"
        headers: { Authorization: "Bearer \${CRM_TOKEN}" }
`);
    const { origin, entries } = readRules({
      file,
      env: { CRM_URL: 'https://crm.example', TEAM: 'support', CRM_TOKEN: 'tok-1' },
    });
    expect(origin).toBe(`NOTIFICATIONS_FILE: invalid rules in ${file}`);
    expect(entries).toEqual([
      {
        label: '"crm"',
        name: 'crm',
        problems: [],
        rule: {
          name: 'crm',
          on: ['message.received'],
          when: undefined,
          send: [
            {
              channel: 'webhook',
              url: 'https://crm.example/hooks?team=support',
              headers: { Authorization: 'Bearer tok-1' },
            },
          ],
        },
      },
    ]);
  });

  it('names the field of an unset variable, never a value, and labels a nameless rule by place', () => {
    const file = rulesFile(`rules:
  - on: message.received
    send: [{ channel: slack, url: "\${NO_SUCH_HOOK}" }, { channel: webhook, url: "\${SET}/\${ALSO_UNSET}" }]
`);
    const [entry] = readRules({ file, env: { SET: 'https://secret.example' } }).entries;
    expect(entry.label).toBe('#1');
    expect(entry.problems).toEqual([
      { field: 'send[0].url', message: 'environment variable NO_SUCH_HOOK is not set' },
      { field: 'send[1].url', message: 'environment variable ALSO_UNSET is not set' },
    ]);
    expect(JSON.stringify(entry.problems)).not.toContain('secret.example');
  });

  it('expands the shorthand forms: one event, numeric conversations, metadata values', () => {
    const file = rulesFile(`rules:
  - name: short
    on: message.received
    when:
      contentType: image/*
      conversation: [555001, support-billing]
      metadata: { category: billing, KM_ASSIGN_TO: { exists: false } }
    send: [{ channel: webhook, url: "https://x.example" }]
`);
    const [{ rule }] = readRules({ file, env: {} }).entries;
    expect(rule).toMatchObject({
      on: ['message.received'],
      when: {
        contentType: ['image/*'],
        conversation: ['555001', 'support-billing'],
        metadata: { category: { equals: 'billing' }, KM_ASSIGN_TO: { exists: false } },
      },
    });
  });

  it('leaves an entry that is no mapping for the compiler to report', () => {
    const file = rulesFile('rules:\n  - just a string\n');
    expect(readRules({ file, env: {} }).entries).toEqual([
      {
        label: '#1',
        name: undefined,
        rule: null,
        problems: [{ field: '(rule)', message: 'must be a mapping with name, on, when, send' }],
      },
    ]);
  });

  it('NOTIFY_WEBHOOK_URL alone is the offline-webhook rule', () => {
    const { origin, entries } = readRules({ webhookUrl: 'https://hooks.example/off', env: {} });
    expect(origin).toBe('NOTIFY_WEBHOOK_URL: invalid rule');
    expect(entries.map((entry) => entry.rule)).toEqual([
      {
        name: 'offline-webhook',
        on: ['message.received'],
        when: {
          receiverConnected: false,
          contentType: undefined,
          conversation: undefined,
          metadata: undefined,
        },
        send: [{ channel: 'webhook', url: 'https://hooks.example/off' }],
      },
    ]);
  });

  it('a file it cannot read, or without a list of rules, stops the start at once', () => {
    const missing = join(dir, 'missing.yaml');
    const unreadable = (): unknown => readRules({ file: missing, env: {} });
    expect(unreadable).toThrow(ConfigurationError);
    // (Under Jest, fs errors come from another realm and keep their "Error: " prefix.)
    expect(unreadable).toThrow(
      /^NOTIFICATIONS_FILE: cannot read \S+missing\.yaml: .*ENOENT: no such file/,
    );
    const file = rulesFile('rule:\n  - name: typo\n');
    expect(() => readRules({ file, env: {} })).toThrow(
      new ConfigurationError(`NOTIFICATIONS_FILE: ${file} must have a list under "rules"`),
    );
  });
});
