import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, eventually, message, removeDataDir } from './support/test-app';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A real HTTP server on 127.0.0.1 that records what it is sent. */
async function startSink(
  status = 204,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hooks/offline`, received };
}

const stop = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('offline notification to NOTIFY_WEBHOOK_URL', () => {
  it('POSTs a message nobody was online to read, and only such messages', async () => {
    const sink = await startSink();
    const t = await createTestApp({ env: { NOTIFY_WEBHOOK_URL: sink.url } });
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

      await eventually(() => expect(sink.received).toHaveLength(1));
      const [request] = sink.received;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/hooks/offline');
      expect(request.headers['content-type']).toBe('application/json');
      // The fields of the first release unchanged; rules-era fields (rule, metadata, file) added.
      expect(request.body).toEqual({
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
      expect(sink.received).toHaveLength(1);
    } finally {
      await t.close();
      await stop(sink.server);
      removeDataDir(t.dataDir);
    }
  });

  it('a failing sink changes nothing for the sender', async () => {
    const sink = await startSink(500);
    const t = await createTestApp({ env: { NOTIFY_WEBHOOK_URL: sink.url } });
    try {
      const offline = message({ receiverConnected: false });
      await t.deliver(offline).expect(200, { status: 'accepted', key: offline.key });
      await eventually(() => expect(sink.received).toHaveLength(1));
      const stored = await t.db
        .selectFrom('messages')
        .select('key')
        .where('key', '=', offline.key)
        .execute();
      expect(stored).toEqual([{ key: offline.key }]);
    } finally {
      await t.close();
      await stop(sink.server);
      removeDataDir(t.dataDir);
    }
  });

  it('sends nothing when NOTIFY_WEBHOOK_URL is unset', async () => {
    const sink = await startSink();
    const t = await createTestApp();
    try {
      await t.deliver(message({ receiverConnected: false })).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(sink.received).toHaveLength(0);
    } finally {
      await t.close();
      await stop(sink.server);
      removeDataDir(t.dataDir);
    }
  });
});
