/**
 * Moves an SQLite installation of kommhook to PostgreSQL:
 *
 *   npm run migrate:sqlite-to-pg -- --from data/kommhook.sqlite --to postgres://user:pass@host:5432/db
 *
 * The SQLite file is only read. PostgreSQL gets kommhook's schema from the
 * service's own migrator, then every table, in batches, rows already there
 * left as they are: a run that stopped half way is simply run again. At the
 * end both sides are counted. Progress goes to stderr, the counts to stdout.
 */
import { parseArgs } from 'node:util';
import { checkMigrations, copyTable, planCopy, TableCopied } from './sqlite-to-pg/copy';
import { formatCount, progressReporter } from './sqlite-to-pg/progress';
import { reasonOf, SqliteSource } from './sqlite-to-pg/source';
import { StopError } from './sqlite-to-pg/stop-error';
import { describeUrl, PostgresTarget } from './sqlite-to-pg/target';

export const USAGE = `usage: npm run migrate:sqlite-to-pg -- --from <sqlite file> --to <postgres url> [options]

Copies a kommhook SQLite store into PostgreSQL. Stop kommhook first; the
SQLite file is opened read-only. PostgreSQL gets kommhook's schema (the
service's migrations), then every table's rows; rows already there are left
as they are, so running it again copies only what is missing.

  --from <file>          the SQLite store (e.g. data/kommhook.sqlite)
  --to <url>             postgres://user:password@host:port/database; its
                         search_path (?options=-c%20search_path%3Dname) picks the schema
  --batch-size <n>       rows per insert, 1-10000 (default 1000)
  --replace-nul          store U+0000 in text as U+FFFD (PostgreSQL text cannot hold
                         NUL); without it such a value stops the copy
  -h, --help             this help

Exit code: 0 every table's rows are in PostgreSQL, 1 the copy failed or
PostgreSQL has fewer rows than SQLite, 2 bad arguments or a store that cannot
be opened, 130 interrupted (rows copied so far are kept).
`;

export interface CliOptions {
  from: string;
  to: string;
  batchRows: number;
  replaceNul: boolean;
}

/** The command line as options; null for --help. Throws a StopError (exit 2) for anything wrong. */
export function parseCli(argv: readonly string[]): CliOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'batch-size': { type: 'string' },
        'replace-nul': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new StopError(reasonOf(error), 2);
  }
  if (values.help) return null;
  if (!values.from) throw new StopError('--from <sqlite file> is required', 2);
  if (!values.to) throw new StopError('--to <postgres url> is required', 2);
  let url: URL | undefined;
  try {
    url = new URL(values.to);
  } catch {
    url = undefined;
  }
  if (!url || !/^postgres(ql)?:$/.test(url.protocol)) {
    // Not echoed: a URL that failed to parse may still hold a password.
    throw new StopError(
      '--to must be a PostgreSQL URL: postgres://user:password@host:port/database',
      2,
    );
  }
  const batchText = values['batch-size'] ?? '1000';
  const batchRows = /^\d+$/.test(batchText) ? Number(batchText) : NaN;
  if (!(batchRows >= 1 && batchRows <= 10_000)) {
    throw new StopError(
      `--batch-size must be a whole number from 1 to 10000, got "${batchText}"`,
      2,
    );
  }
  return {
    from: values.from,
    to: values.to,
    batchRows,
    replaceNul: values['replace-nul'] === true,
  };
}

interface TableCount extends TableCopied {
  readonly sqlite: number;
  readonly postgres: number;
}

export function formatCounts(counts: readonly TableCount[]): string {
  const header = ['table', 'SQLite', 'PostgreSQL', 'copied', 'already there'];
  const total = counts.reduce(
    (sum, row) => ({
      sqlite: sum.sqlite + row.sqlite,
      postgres: sum.postgres + row.postgres,
      copied: sum.copied + row.copied,
      present: sum.present + row.present,
    }),
    { sqlite: 0, postgres: 0, copied: 0, present: 0 },
  );
  const rows = [...counts, { table: 'total', ...total }].map((row) => [
    row.table,
    formatCount(row.sqlite),
    formatCount(row.postgres),
    formatCount(row.copied),
    formatCount(row.present),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  return [
    line(header),
    ...rows.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(rows[rows.length - 1]),
  ]
    .join('\n')
    .concat('\n');
}

async function migrate(options: CliOptions, signal: AbortSignal): Promise<number> {
  const log = (line: string): void => {
    process.stderr.write(`migrate: ${line}\n`);
  };
  const source = SqliteSource.open(options.from);
  let target: PostgresTarget | undefined;
  try {
    checkMigrations(source.appliedMigrations(options.from));
    target = await PostgresTarget.open(options.to, log);
    let nulReplaced = 0;
    const plans = planCopy(source.tables(), await target.tables(), {
      batchRows: options.batchRows,
      replaceNul: options.replaceNul,
      onNulReplaced: () => {
        nulReplaced += 1;
      },
    });
    log(`copying ${plans.length} tables from ${options.from} to ${describeUrl(options.to)}`);

    const reporter = progressReporter(process.stderr);
    const started = performance.now();
    const copied: TableCopied[] = [];
    for (const plan of plans) {
      reporter.begin(plan.source.name, source.count(plan.source.name));
      let done = 0;
      try {
        copied.push(
          await copyTable(
            plan,
            source,
            target,
            (rows) => {
              done = rows;
              reporter.update(rows);
            },
            signal,
          ),
        );
      } catch (error) {
        if (error instanceof StopError) throw error;
        throw new StopError(
          `copying ${plan.source.name} failed after ${formatCount(done)} rows: ${reasonOf(error)} ` +
            '(rows copied so far are kept: run again to continue)',
          1,
        );
      } finally {
        // Ends the table's line, so that an error is told on a line of its own.
        reporter.finish();
      }
      if (signal.aborted) break;
    }
    const seconds = (performance.now() - started) / 1000;

    const counts: TableCount[] = [];
    for (const result of copied) {
      counts.push({
        ...result,
        sqlite: source.count(result.table),
        postgres: await target.count(result.table),
      });
    }
    process.stdout.write(formatCounts(counts));
    const rows = counts.reduce((sum, row) => sum + row.copied + row.present, 0);
    process.stdout.write(
      `\n${formatCount(rows)} rows in ${seconds.toFixed(1)} s (${formatCount(Math.round(rows / Math.max(seconds, 0.001)))} rows/s)` +
        `${nulReplaced > 0 ? `; U+0000 replaced by U+FFFD in ${formatCount(nulReplaced)} values` : ''}\n`,
    );
    if (signal.aborted) {
      process.stdout.write(
        'INTERRUPTED: rows copied so far are kept; run the same command again to continue\n',
      );
      return 130;
    }
    const short = counts.filter((row) => row.postgres < row.sqlite);
    if (short.length > 0) {
      process.stdout.write(
        `FAILED: PostgreSQL has fewer rows than SQLite in ${short
          .map((row) => `${row.table} (${formatCount(row.postgres)} < ${formatCount(row.sqlite)})`)
          .join(', ')}. Was kommhook still writing to the SQLite store? Stop it and run again.\n`,
      );
      return 1;
    }
    process.stdout.write('OK: every row of the SQLite store is in PostgreSQL\n');
    return 0;
  } finally {
    source.close();
    await target?.close();
  }
}

/** The CLI: returns the exit code. Never throws: every failure is a line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions | null;
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(`migrate: ${reasonOf(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nmigrate: interrupted; finishing the batch in flight (Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await migrate(options, controller.signal);
  } catch (error) {
    // An operator's tool: the message says what failed; a stack trace would bury it.
    process.stderr.write(`migrate: ${reasonOf(error)}\n`);
    return error instanceof StopError ? error.exitCode : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`migrate: ${reasonOf(error)}\n`);
      process.exitCode = 1;
    },
  );
}
