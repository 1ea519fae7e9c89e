import BetterSqlite3 from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SLOW_REQUEST_MS } from '../src/logging/logging.module';
import { ROOT, spawnNode } from './support/child-process';
import { basic, message, newDataDir, removeDataDir } from './support/test-app';

jest.setTimeout(60_000);

/** Starts the real entry point as its own process, as `npm start` would (from source, not dist). */
function startService(
  env: Record<string, string>,
  cwd?: string,
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawnNode('src/main.ts', [], { env, cwd });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the service as a process', () => {
  let dataDir: string;
  let sink: Server | undefined;

  beforeEach(() => {
    dataDir = newDataDir();
  });

  afterEach(async () => {
    if (sink) await new Promise((resolve) => sink!.close(resolve));
    sink = undefined;
    removeDataDir(dataDir);
  });

  it('starts with no configuration, prints what to paste into Kommunicate, and accepts with it', async () => {
    const port = await freePort();
    const { child, output } = startService({
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    try {
      await waitFor(() => output().includes('Authentication token:'), 'the start-up banner');
      const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as {
        webhookToken: string;
        adminToken: string;
      };
      expect(output()).toContain(`Webhook URL:           http://127.0.0.1:${port}/message/forward`);
      expect(output()).toContain(`Authentication token:  ${secrets.webhookToken}`);
      expect(output()).toContain(`Admin token:           ${secrets.adminToken}`);

      const payload = message();
      const response = await fetch(`http://127.0.0.1:${port}/message/forward`, {
        method: 'POST',
        headers: {
          Authentication: basic(secrets.webhookToken),
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(payload),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'accepted', key: payload.key });
      // Default log level: no token and no message text in the logs.
      const logs = output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      expect(logs.length).toBeGreaterThan(0);
      for (const line of logs) {
        expect(line).not.toContain(secrets.webhookToken);
        expect(line).not.toContain(payload.message);
      }
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it('on SIGTERM finishes listener work in flight, closes the store and exits 0', async () => {
    const received: string[] = [];
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      // A slow receiver: the notification is still in flight when SIGTERM arrives.
      req.on('end', () => setTimeout(() => (received.push(body), res.writeHead(204).end()), 700));
    });
    await new Promise<void>((resolve) => sink!.listen(0, '127.0.0.1', resolve));
    const sinkPort = (sink.address() as AddressInfo).port;
    const port = await freePort();
    const token = 'process-test-token-0123456789';
    const { child, output } = startService({
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEBHOOK_TOKENS: token,
      ADMIN_TOKEN: 'process-test-admin-0123456789',
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${sinkPort}/notify`,
    });
    await waitFor(() => output().includes('kommhook is listening'), 'the start-up banner');

    const payload = message({ receiverConnected: false });
    const response = await fetch(`http://127.0.0.1:${port}/message/forward`, {
      method: 'POST',
      headers: { Authentication: basic(token), 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(response.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(0);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0])).toMatchObject({ key: payload.key });
    const db = new BetterSqlite3(join(dataDir, 'kommhook.sqlite'), { readonly: true });
    try {
      expect(db.prepare('select key from messages').all()).toEqual([{ key: payload.key }]);
    } finally {
      db.close();
    }
  });

  it('reads .env from its working directory (tests start it where there is none)', async () => {
    const port = await freePort();
    writeFileSync(
      join(dataDir, '.env'),
      [
        `DATA_DIR=${dataDir}`,
        `PORT=${port}`,
        'HOST=127.0.0.1',
        'WEBHOOK_PATH=/from-dotenv',
        'WEBHOOK_TOKENS=dotenv-webhook-token-0123456789',
      ].join('\n'),
    );
    const { child, output } = startService({}, dataDir);
    try {
      await waitFor(() => output().includes('Authentication token:'), 'the start-up banner');
      expect(output()).toContain(`Webhook URL:           http://127.0.0.1:${port}/from-dotenv`);
      const payload = message();
      const response = await fetch(`http://127.0.0.1:${port}/from-dotenv`, {
        method: 'POST',
        headers: {
          Authentication: basic('dotenv-webhook-token-0123456789'),
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(payload),
      });
      expect(response.status).toBe(200);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  /** Starts the service expecting it to refuse; its whole output, line by line. */
  async function failedStart(env: Record<string, string>): Promise<string[]> {
    const { child, output } = startService({ DATA_DIR: dataDir, PORT: '39999', ...env });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    // Nothing else: no stack frames, no buffered Nest lines, the reason said once.
    expect(output()).not.toMatch(/^\s+at |"stack"/m);
    expect(output()).not.toContain(ROOT);
    return output().trimEnd().split('\n');
  }

  it('a bad variable stops the start with a message naming it, and no stack', async () => {
    expect(await failedStart({ PORT: 'eighty' })).toEqual([
      'kommhook could not start: Invalid configuration:',
      '  PORT: must be a port number (1-65535)',
    ]);
  });

  it('a DATA_DIR it cannot create is one line naming DATA_DIR, with or without tokens to generate', async () => {
    writeFileSync(join(dataDir, 'a-file'), '');
    const below = join(dataDir, 'a-file', 'data');
    const reason = `kommhook could not start: DATA_DIR: cannot use ${below} (ENOTDIR: not a directory)`;
    expect(await failedStart({ DATA_DIR: below })).toEqual([reason]);
    expect(
      await failedStart({
        DATA_DIR: below,
        WEBHOOK_TOKENS: 'process-test-token-0123456789',
        ADMIN_TOKEN: 'process-test-admin-0123456789',
      }),
    ).toEqual([reason]);
  });

  it('a bad rules file is reported once: a line naming NOTIFICATIONS_FILE, then its problems', async () => {
    const file = join(dataDir, 'notifications.yaml');
    writeFileSync(file, 'rules:\n  - name: broken\n    on: message.received\n    send: []\n');
    expect(await failedStart({ NOTIFICATIONS_FILE: file })).toEqual([
      `kommhook could not start: NOTIFICATIONS_FILE: invalid rules in ${file}:`,
      '  rule "broken": send: should not be empty',
    ]);
    const missing = join(dataDir, 'missing.yaml');
    expect(await failedStart({ NOTIFICATIONS_FILE: missing })).toEqual([
      `kommhook could not start: NOTIFICATIONS_FILE: cannot read ${missing}: ENOENT: no such file or directory`,
    ]);
  });

  it('a port in use is one line naming PORT', async () => {
    sink = createServer();
    await new Promise<void>((resolve) => sink!.listen(0, '127.0.0.1', resolve));
    const { port } = sink.address() as AddressInfo;
    const lines = await failedStart({ PORT: String(port), HOST: '127.0.0.1' });
    // The app was up by then: its start-up log lines (JSON) came before.
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([
      `kommhook could not start: PORT: cannot listen on 127.0.0.1:${port} (listen EADDRINUSE: address already in use 127.0.0.1:${port})`,
    ]);
  });
});

describe('logs at the default level', () => {
  const token = 'log-test-webhook-token-0123456789';
  let dataDir: string;
  let port: number;
  let service: { child: ChildProcess; output: () => string };
  const post = (body: unknown, authentication = basic(token)): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}/message/forward`, {
      method: 'POST',
      headers: { Authentication: authentication, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** The JSON log lines written since the banner. */
  const logsAfterBanner = (): Record<string, unknown>[] =>
    service
      .output()
      .split('kommhook is listening.')[1]
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    dataDir = newDataDir();
    port = await freePort();
    service = startService({
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEBHOOK_TOKENS: token,
      ADMIN_TOKEN: 'log-test-admin-token-0123456789',
    });
    await waitFor(() => service.output().includes('API docs:'), 'the start-up banner');
  });

  afterAll(async () => {
    service.child.kill('SIGKILL');
    await once(service.child, 'exit');
    removeDataDir(dataDir);
  });

  it('2,000 accepted webhooks and a run of bad tokens write no request lines: the banner stays in view', async () => {
    const payloads = Array.from({ length: 2000 }, () => message());
    const statuses: number[] = [];
    const worker = async (): Promise<void> => {
      for (let payload = payloads.pop(); payload; payload = payloads.pop()) {
        const response = await post(payload);
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    for (let i = 0; i < 50; i += 1) {
      const response = await post(message(), basic('wrong-token-0123456789abcdef'));
      await response.arrayBuffer();
      statuses.push(response.status);
    }

    expect(statuses.filter((status) => status === 200)).toHaveLength(2000);
    expect(statuses.filter((status) => status === 401)).toHaveLength(50);
    // Only a request slower than SLOW_REQUEST_MS may speak up (none on an idle machine).
    const lines = logsAfterBanner();
    const slow = lines.filter(
      (line) => line.level === 40 && (line.responseTime as number) > SLOW_REQUEST_MS,
    );
    expect(lines).toEqual(slow);
    if (slow.length > 0) console.log(`${slow.length} slow requests logged at warn`);
  }, 120_000);

  it('a 5xx is one line with the error class and message: no stack, no server path', async () => {
    // Another connection to the same file makes the store refuse to commit.
    const db = new BetterSqlite3(join(dataDir, 'kommhook.sqlite'));
    try {
      db.exec(`create trigger refuse before insert on messages
               begin select raise(abort, 'disk full'); end`);
    } finally {
      db.close();
    }
    const response = await post(message());
    expect(response.status).toBe(503);
    await response.arrayBuffer();

    await waitFor(() => logsAfterBanner().length > 0, 'the error line');
    // Let anything logged right after it arrive too.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = logsAfterBanner();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'request errored',
      req: { method: 'POST', url: '/message/forward' },
      res: { statusCode: 503 },
      err: { type: 'SqliteError', message: 'disk full' },
    });
    const text = service.output();
    expect(text).not.toContain('"stack"');
    expect(text).not.toMatch(/\n\s+at |\bat [\w.<>]+ \(/);
    expect(text).not.toContain(ROOT);
    expect(text).not.toContain('node_modules');
  });
});
