import { ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';

export const ROOT = join(__dirname, '..', '..');
const TS_NODE = require.resolve('ts-node/register/transpile-only');

/** All a test's child inherits from the shell running the tests: enough to run, no configuration. */
export function baseChildEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
}

export interface NodeChildOptions {
  /** What the child sees besides PATH and HOME. */
  env?: Record<string, string>;
  /** Its working directory; by default a fresh empty one, removed when the child exits. */
  cwd?: string;
}

/**
 * Runs a script of the checkout as its own process (`.ts` through ts-node, as
 * the npm scripts do) with an explicit environment, in a directory that holds
 * no .env, no data/ and no rules file of the operator's.
 */
export function spawnNode(
  script: string,
  args: readonly string[] = [],
  options: NodeChildOptions = {},
): ChildProcessByStdio<null, Readable, Readable> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'kommhook-cwd-'));
  const typescript = script.endsWith('.ts');
  const child = spawn(
    process.execPath,
    [...(typescript ? ['-r', TS_NODE] : []), resolve(ROOT, script), ...args],
    {
      cwd,
      env: {
        ...baseChildEnv(),
        // ts-node looks for tsconfig.json from the working directory, which is not the checkout.
        ...(typescript ? { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (options.cwd === undefined) {
    child.once('exit', () => rmSync(cwd, { recursive: true, force: true }));
  }
  return child;
}
