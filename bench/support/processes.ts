/*
 * Servers and load generators as child processes, each pinned to its own core
 * where `taskset` exists: the server on core 0, the load (and this process) on
 * core 1, so the two never compete for a core.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './load';

export const ROOT = join(__dirname, '..', '..');
export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

export const hasTaskset = ((): boolean => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Moves every thread of this process to the load's core. */
export function pinSelf(): void {
  if (hasTaskset)
    execFileSync('taskset', ['-a', '-p', '-c', LOAD_CORE, String(process.pid)], {
      stdio: 'ignore',
    });
}

function pinned(core: string, command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', core, command, ...args]] : [command, args];
}

/** The node arguments `npm start` runs the built server with (its `start:prod` script). */
export function kommhookArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = scripts['start:prod'].split(/\s+/);
  if (command !== 'node') throw new Error('start:prod is expected to run node');
  return args.map((arg) => (arg.endsWith('.js') ? join(ROOT, arg) : arg));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ServerSpec {
  readonly name: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Printed once the server accepts requests. */
  readonly ready: RegExp;
}

export interface RunningServer {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  output(): string;
  /** Resident set now, MB. */
  rssMb(): number;
  /** The highest resident set since the process started (VmHWM), MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

export async function startServer(spec: ServerSpec, port: number): Promise<RunningServer> {
  const [command, args] = pinned(SERVER_CORE, process.execPath, spec.args);
  const child = spawn(command, args, {
    cwd: spec.cwd,
    // Only what the server is meant to read: never the operator's shell or .env.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: spec.cwd,
      ...spec.env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!spec.ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`${spec.name} did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid!;
  return {
    name: spec.name,
    port,
    child,
    output: () => output,
    rssMb: () => statusField(pid, 'VmRSS'),
    peakRssMb: () => statusField(pid, 'VmHWM'),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One autocannon run in its own process on the load's core. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const [command, args] = pinned(LOAD_CORE, process.execPath, [
    '-r',
    'ts-node/register/transpile-only',
    join(__dirname, 'load.ts'),
    JSON.stringify(options),
  ]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
