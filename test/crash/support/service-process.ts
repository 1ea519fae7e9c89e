import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawnNode } from '../../support/child-process';

export const ROOT = join(__dirname, '..', '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');

/** Keep at most this much of a child's output (the tail), for failure messages. */
const OUTPUT_LIMIT = 2_000_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The server (the build, `node dist/main.js`, unless started from source) as a child process. */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<Exit>;
  hasExited(): boolean;
  /** stdout and stderr, interleaved as they came. */
  output(): string;
}

export function assertBuilt(): void {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm run test:crash does it)`);
  }
}

/** A port nobody listens on right now: listen on 0, note it, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  return port;
}

export interface StartOptions {
  /** Run src/main.ts through ts-node, as the e2e suites do, instead of the build. */
  fromSource?: boolean;
}

export function startService(
  name: string,
  port: number,
  env: Record<string, string>,
  { fromSource = false }: StartOptions = {},
): ServiceProcess {
  let output = '';
  let exited = false;
  const append = (chunk: Buffer | string): void => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  // In a fresh directory with only these variables: no .env of the checkout is read.
  const child = spawnNode(fromSource ? 'src/main.ts' : MAIN, [], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
  });
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  child.on('error', (error) => append(`[${name}] spawn error: ${error.message}\n`));
  const exitPromise = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      append(`[${name}] exited: code ${String(code)}, signal ${String(signal)}\n`);
      resolve({ code, signal });
    });
  });
  return {
    name,
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    exited: exitPromise,
    hasExited: () => exited,
    output: () => output,
  };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls GET /health/ready until it answers 200; fails early if the process exits. */
export async function waitReady(service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.hasExited()) {
      throw new Error(`${service.name} exited before it was ready:\n${tail(service.output())}`);
    }
    try {
      const response = await fetch(`${service.baseUrl}/health/ready`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${service.name} not ready after ${timeoutMs} ms:\n${tail(service.output())}`,
      );
    }
    await sleep(100);
  }
}

/** SIGTERM, then the exit (bounded). */
export async function stopService(service: ServiceProcess, timeoutMs = 30_000): Promise<Exit> {
  if (!service.hasExited()) service.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${service.name} did not exit within ${timeoutMs} ms of SIGTERM`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([service.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Last resort in cleanup: this test's own child, by its handle. */
export async function killService(service: ServiceProcess | undefined): Promise<void> {
  if (!service || service.hasExited()) return;
  service.child.kill('SIGKILL');
  await service.exited;
}

export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
