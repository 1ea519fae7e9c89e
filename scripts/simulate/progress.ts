/** Progress while a run goes on, on stderr, so that stdout holds only the summary. */
import { pad } from './report';
import type { Progress } from './runner';

const BAR_WIDTH = 24;

/** A single updating line on a terminal; a plain line every few seconds otherwise. */
export function progressReporter(
  stream: NodeJS.WriteStream,
  lineEveryMs = 2_000,
): { update: (progress: Progress) => void; finish: () => void } {
  const tty = stream.isTTY === true;
  const samples: { at: number; done: number }[] = [];
  let lastLine = 0;
  let drawn = false;

  const describe = (progress: Progress): string => {
    const oldest = samples[0];
    const span = progress.elapsedMs - oldest.at;
    const rate = span > 0 ? ((progress.done - oldest.done) * 1000) / span : 0;
    const share = progress.total === 0 ? 1 : progress.done / progress.total;
    const eta = rate > 0 ? `${Math.ceil((progress.total - progress.done) / rate)}s` : '-';
    const counts =
      `${progress.done}/${progress.total} ${pad((share * 100).toFixed(0), 3)}%  ${pad(rate.toFixed(0), 5)}/s  ` +
      `accepted ${progress.accepted}  duplicate ${progress.duplicate}  errors ${progress.failed}  ETA ${eta}`;
    if (!tty) return `[simulate] ${counts}`;
    const filled = Math.round(share * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${counts}`;
  };

  return {
    update(progress) {
      // The rate is over the last two seconds or so.
      samples.push({ at: progress.elapsedMs, done: progress.done });
      while (samples.length > 2 && progress.elapsedMs - samples[1].at >= 2_000) samples.shift();
      if (tty) {
        const columns = stream.columns || 120; // 0 when the terminal size is unknown
        stream.write(`\r${describe(progress).slice(0, Math.max(20, columns - 1))}\x1b[K`);
        drawn = true;
      } else if (progress.elapsedMs - lastLine >= lineEveryMs) {
        lastLine = progress.elapsedMs;
        stream.write(`${describe(progress)}\n`);
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
