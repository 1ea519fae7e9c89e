const BAR_WIDTH = 24;

export const formatCount = (value: number): string => value.toLocaleString('en-US');

export interface ProgressReporter {
  begin(table: string, total: number): void;
  /** Rows of the table PostgreSQL has taken or already had so far. */
  update(done: number): void;
  finish(): void;
}

/**
 * Per table: rows copied of its total and the rate. On a terminal one line
 * redrawn in place (kept when the table is done); otherwise, for logs, a
 * plain line every few seconds and one when the table is done.
 */
export function progressReporter(
  stream: NodeJS.WriteStream,
  lineEveryMs = 2_000,
  now: () => number = () => performance.now(),
): ProgressReporter {
  const tty = stream.isTTY === true;
  let table = '';
  let total = 0;
  let done = 0;
  let started = 0;
  let lastLine = 0;
  let lastDraw = -Infinity;

  const describe = (): string => {
    const elapsedMs = now() - started;
    const shown = Math.max(total, done);
    const share = shown === 0 ? 1 : done / shown;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const counts =
      `${formatCount(done)}/${formatCount(shown)} ` +
      `${(share * 100).toFixed(0).padStart(3)}%  ${formatCount(Math.round(rate))} rows/s`;
    if (!tty) return `migrate: ${table} ${counts}`;
    const filled = Math.round(share * BAR_WIDTH);
    return `${table.padEnd(32)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${counts}`;
  };

  const draw = (): void => {
    const columns = stream.columns || 120; // 0 when the terminal size is unknown
    lastDraw = now();
    stream.write(`\r${describe().slice(0, Math.max(20, columns - 1))}\x1b[K`);
  };

  return {
    begin(name, rows) {
      table = name;
      total = rows;
      done = 0;
      started = now();
      lastLine = started;
      if (tty) draw();
    },
    update(rows) {
      done = rows;
      // A terminal is redrawn ten times a second at most, however fast the batches go.
      if (tty) {
        if (now() - lastDraw >= 100) draw();
      } else if (now() - lastLine >= lineEveryMs) {
        lastLine = now();
        stream.write(`${describe()}\n`);
      }
    },
    finish() {
      const seconds = ((now() - started) / 1000).toFixed(1);
      if (tty) {
        draw();
        stream.write(` in ${seconds} s\n`);
      } else {
        stream.write(`${describe()} in ${seconds} s\n`);
      }
    },
  };
}
