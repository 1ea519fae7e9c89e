import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The code blocks of a README section, by its heading. */
function codeBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}"`);
  const next = markdown.indexOf('\n## ', start + heading.length + 2);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

// The README's example is the test file itself: if one changes, the other must.
describe('README: Testing a listener', () => {
  it('shows test/examples/testing-a-listener.e2e-spec.ts as it is', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = readFileSync(join(__dirname, 'testing-a-listener.e2e-spec.ts'), 'utf8');
    expect(codeBlocks(readme, '## Testing a listener')).toEqual([example]);
  });
});
