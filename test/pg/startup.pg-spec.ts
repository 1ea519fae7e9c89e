import { spawnNode } from '../support/child-process';
import { MAIN } from '../crash/support/service-process';

/** Runs the built server until it exits; answers its exit code and everything it printed. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawnNode(MAIN, [], { env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('starting on a PostgreSQL that will not have it', () => {
  it.each([
    ['nothing listens there', 'postgres://kommhook:secretpw@127.0.0.1:1/test', /ECONNREFUSED/],
    [
      'an unknown user',
      'postgres://nobody_here:secretpw@127.0.0.1:5432/test',
      /role "nobody_here"/,
    ],
  ])('%s: exit 1 with one line saying why, and never the password', async (_, url, why) => {
    const { code, output } = await start({ DATABASE_URL: url, LOG_LEVEL: 'info' });
    expect(code).toBe(1);
    expect(output).toMatch(/kommhook could not start: /);
    expect(output).toMatch(why);
    expect(output).not.toContain('secretpw');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
