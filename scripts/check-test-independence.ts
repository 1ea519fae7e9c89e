/**
 * Runs every e2e test on its own (`jest <file> -t '^<its full name>$'`), to
 * find tests that pass only because an earlier test of the file left
 * something behind. Slow (one jest start per test), so not part of `npm test`:
 *
 *   node -r ts-node/register/transpile-only scripts/check-test-independence.ts [spec files…] \
 *     [--skip <part of a path>]… [--match <regex on the test name>]
 *
 * Without files it takes every e2e spec jest lists. The names come from one
 * full run of each file with `--json`: that expands `it.each` as jest does,
 * which a regex over the source cannot. Exit code 0 when every test passed
 * alone, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..');
const JEST = join(ROOT, 'node_modules', '.bin', 'jest');

interface JestJson {
  numFailedTests: number;
  testResults: {
    name: string;
    message: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
  }[];
}

interface Outcome {
  file: string;
  name: string;
  /** Passed in the full run of its file (the baseline). */
  passedInFile: boolean;
  passedAlone: boolean;
  /** Tests the name matched; more than 1 when names differ only in case (-t ignores it). */
  matched: number;
  ms: number;
  failure: string;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A name as printed: it.each names can be kilobytes long. */
const shown = (name: string): string => (name.length > 160 ? `${name.slice(0, 157)}...` : name);

/** Runs jest with `--json` and reads what it wrote; null when it wrote nothing (it crashed). */
function jest(args: readonly string[]): JestJson | null {
  const dir = mkdtempSync(join(tmpdir(), 'kommhook-independence-'));
  const output = join(dir, 'result.json');
  try {
    spawnSync(JEST, [...args, '--maxWorkers=1', '--ci', '--json', `--outputFile=${output}`], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    return JSON.parse(readFileSync(output, 'utf8')) as JestJson;
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function e2eSpecs(): string[] {
  const listed = spawnSync(JEST, ['--listTests', '--selectProjects', 'e2e'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.endsWith('.e2e-spec.ts'))
    .map((file) => relative(ROOT, file))
    .sort();
}

/** The first line of a failure that says something, for the summary. */
function firstLine(messages: readonly string[]): string {
  const line = messages
    .join('\n')
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text !== '');
  return (line ?? '').slice(0, 200);
}

function checkFile(file: string, match: RegExp | undefined): Outcome[] {
  const full = jest([file]);
  const tests = full?.testResults[0]?.assertionResults ?? [];
  if (tests.length === 0) {
    process.stdout.write(
      `${file}: no tests found (${full?.testResults[0]?.message ?? 'crashed'})\n`,
    );
    return [];
  }
  const outcomes: Outcome[] = [];
  for (const test of tests) {
    if (match && !match.test(test.fullName)) continue;
    const started = Date.now();
    const alone = jest([file, '-t', `^${escapeRegex(test.fullName)}$`]);
    const own = alone?.testResults[0]?.assertionResults.filter((r) => r.status !== 'pending') ?? [];
    const outcome: Outcome = {
      file,
      name: test.fullName,
      passedInFile: test.status === 'passed',
      passedAlone:
        alone !== null &&
        alone.numFailedTests === 0 &&
        own.some((r) => r.fullName === test.fullName && r.status === 'passed'),
      matched: own.length,
      ms: Date.now() - started,
      failure: firstLine(
        own.flatMap((r) => r.failureMessages).concat(alone?.testResults[0]?.message ?? []),
      ),
    };
    outcomes.push(outcome);
    const verdict = outcome.passedAlone ? 'ok  ' : 'FAIL';
    // jest's -t ignores case: names that differ only in case run together.
    const note = outcome.matched === 1 ? '' : ` (ran with ${outcome.matched - 1} of the same name)`;
    process.stdout.write(
      `${verdict} ${file} › ${shown(test.fullName)}${note}  ${(outcome.ms / 1000).toFixed(1)} s\n`,
    );
    if (!outcome.passedAlone && outcome.failure)
      process.stdout.write(`       ${outcome.failure}\n`);
  }
  return outcomes;
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      skip: { type: 'string', multiple: true },
      match: { type: 'string' },
    },
  });
  const skip = values.skip ?? [];
  const files = (positionals.length > 0 ? positionals : e2eSpecs()).filter(
    (file) => !skip.some((part) => file.includes(part)),
  );
  const match = values.match === undefined ? undefined : new RegExp(values.match);

  const outcomes = files.flatMap((file) => checkFile(file, match));
  const failedAlone = outcomes.filter((o) => !o.passedAlone);
  // A test that fails in its own file's full run too is broken, not order-dependent.
  const orderDependent = failedAlone.filter((o) => o.passedInFile);
  process.stdout.write(
    `\n${outcomes.length} tests in ${files.length} files run alone: ` +
      `${outcomes.length - failedAlone.length} passed, ${failedAlone.length} failed` +
      (failedAlone.length > 0 ? ` (${orderDependent.length} of them pass in the full file)` : '') +
      '\n',
  );
  for (const o of failedAlone) process.stdout.write(`  ${o.file} › ${shown(o.name)}\n`);
  return failedAlone.length === 0 ? 0 : 1;
}

process.exitCode = main();
