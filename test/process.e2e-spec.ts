import BetterSqlite3 from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawnNode } from './support/child-process';
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

  it('a bad variable stops the start with a message naming it, and no stack', async () => {
    const { child, output } = startService({ DATA_DIR: dataDir, PORT: 'eighty' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(output()).toContain('PORT: must be a port number');
    expect(output()).not.toMatch(/\n\s+at /);
  });
});
