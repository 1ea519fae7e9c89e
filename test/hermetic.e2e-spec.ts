import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRecorder } from './support/http-recorder';
import {
  createTestApp,
  eventually,
  message,
  newDataDir,
  removeDataDir,
  TestApp,
} from './support/test-app';

describe('tests read no operator configuration', () => {
  let sink: HttpRecorder;
  let workDir: string;
  const startedIn = process.cwd();

  beforeEach(async () => {
    sink = await HttpRecorder.start();
    // An operator's checkout: a .env naming real receivers, and a rules file it points at.
    workDir = newDataDir();
    const rules = join(workDir, 'notifications.yaml');
    writeFileSync(
      rules,
      `rules:
  - name: from-dotenv
    on: message.received
    send: [{ channel: webhook, url: "${sink.url}/rule" }]
`,
    );
    writeFileSync(
      join(workDir, '.env'),
      [
        `NOTIFY_WEBHOOK_URL=${sink.url}/offline`,
        `NOTIFICATIONS_FILE=${rules}`,
        'SMTP_URL=smtp://127.0.0.1:1',
        `KOMMUNICATE_API_URL=${sink.url}`,
        'KOMMUNICATE_API_KEY=from-dotenv',
        'WEBHOOK_PATH=/from-dotenv',
      ].join('\n'),
    );
    // Each jest worker is its own process, so this cwd is this suite's alone.
    process.chdir(workDir);
  });

  afterEach(async () => {
    process.chdir(startedIn);
    await sink.stop();
    removeDataDir(workDir);
  });

  it('the test app ignores a .env in the working directory: nothing reaches its receivers', async () => {
    const t: TestApp = await createTestApp();
    try {
      for (const name of ['NOTIFY_WEBHOOK_URL', 'NOTIFICATIONS_FILE', 'SMTP_URL', 'WEBHOOK_PATH']) {
        expect(process.env[name]).toBeUndefined();
      }
      const offline = message({ receiverConnected: false });
      // The default path, not the .env's.
      await t.deliver(offline).expect(200, { status: 'accepted', key: offline.key });

      // Deliveries are recorded with the message: only the analytics listeners took it, and
      // they are done, so any notification would have been recorded by now.
      const deliveries = await eventually(async () => {
        const rows = await t.db
          .selectFrom('deliveries')
          .select(['listener', 'status'])
          .where('message_key', '=', offline.key)
          .execute();
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((row) => row.status === 'done')).toBe(true);
        return rows.map((row) => row.listener).sort();
      });
      expect(deliveries).toEqual(['analytics.conversations', 'analytics.messages']);
      expect(sink.requests).toEqual([]);
    } finally {
      await t.close();
      removeDataDir(t.dataDir);
    }
  });
});
