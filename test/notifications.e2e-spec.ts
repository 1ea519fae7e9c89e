import { HttpRecorder } from './support/http-recorder';
import { createTestApp, eventually, message, removeDataDir } from './support/test-app';

describe('offline notification to NOTIFY_WEBHOOK_URL', () => {
  it('POSTs a message nobody was online to read, and only such messages', async () => {
    const sink = await HttpRecorder.start();
    const t = await createTestApp({ env: { NOTIFY_WEBHOOK_URL: `${sink.url}/hooks/offline` } });
    try {
      const offline = message({
        groupId: 5150,
        from: 'visitor-9',
        message: 'anyone there?',
        receiverConnected: false,
      });
      const online = message({ receiverConnected: true });
      const unknown = message({ receiverConnected: undefined });
      for (const payload of [offline, online, unknown]) await t.deliver(payload).expect(200);

      await eventually(() => expect(sink.requests).toHaveLength(1));
      const [request] = sink.requests;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hooks/offline');
      expect(request.headers['content-type']).toBe('application/json');
      // The fields of the first release unchanged; rules-era fields (rule, metadata, file) added.
      expect(request.json).toEqual({
        event: 'message.received',
        rule: 'offline-webhook',
        key: offline.key,
        conversation: 'group:5150',
        from: 'visitor-9',
        text: 'anyone there?',
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        metadata: {},
        file: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(sink.requests).toHaveLength(1);
    } finally {
      await t.close();
      await sink.stop();
      removeDataDir(t.dataDir);
    }
  });

  it('a failing sink changes nothing for the sender', async () => {
    const sink = await HttpRecorder.start();
    sink.reply = () => ({ status: 500 });
    const t = await createTestApp({ env: { NOTIFY_WEBHOOK_URL: `${sink.url}/hooks/offline` } });
    try {
      const offline = message({ receiverConnected: false });
      await t.deliver(offline).expect(200, { status: 'accepted', key: offline.key });
      await eventually(() => expect(sink.requests).toHaveLength(1));
      const stored = await t.db
        .selectFrom('messages')
        .select('key')
        .where('key', '=', offline.key)
        .execute();
      expect(stored).toEqual([{ key: offline.key }]);
    } finally {
      await t.close();
      await sink.stop();
      removeDataDir(t.dataDir);
    }
  });

  it('records no notification delivery when NOTIFY_WEBHOOK_URL is unset', async () => {
    const t = await createTestApp();
    try {
      const offline = message({ receiverConnected: false });
      await t.deliver(offline).expect(200);
      const listeners = await eventually(async () => {
        const rows = await t.db
          .selectFrom('deliveries')
          .select('listener')
          .where('message_key', '=', offline.key)
          .execute();
        expect(rows.length).toBeGreaterThan(0);
        return rows.map((row) => row.listener);
      });
      // The analytics listeners took the message; no notification listener exists to take it.
      expect(listeners.sort()).toEqual(['analytics.conversations', 'analytics.messages']);
    } finally {
      await t.close();
      removeDataDir(t.dataDir);
    }
  });
});
