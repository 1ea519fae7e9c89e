import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { cpus, release, totalmem } from 'node:os';

/** One line on where the figures come from: they mean little without it. */
export function describeMachine(pinned: boolean): string {
  const cpu = cpus();
  return (
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}; ` +
    (pinned
      ? 'each server pinned to core 0 (`taskset -c 0`), the load generator to core 1.'
      : 'no `taskset` here: server and load shared the cores.')
  );
}

/**
 * Replaces the part of a Markdown file between `<!-- bench:<id> -->` and
 * `<!-- /bench:<id> -->`, or appends it, so each bench rewrites only its own figures.
 */
export async function replaceSection(file: string, id: string, content: string): Promise<void> {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  // Blank lines around the content: Markdown blocks, as Prettier lays them out.
  const block = `${start}\n\n${content.trim()}\n\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  // Laid out as the project's Prettier would, so `npm run lint` accepts the file as written.
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(next, { ...options, parser: 'markdown' }));
}
