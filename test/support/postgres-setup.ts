import { execSync } from 'node:child_process';

/** Once per `npm run test:pg` run: a PostgreSQL to run on, and a name for the run's schemas. */
export default function setup(): void {
  // The machine's local server, started if it is down (the brief's command).
  try {
    execSync('pg_isready -h 127.0.0.1 -p 5432', { stdio: 'ignore' });
  } catch {
    execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', {
      stdio: 'inherit',
      shell: '/bin/bash',
    });
  }
  process.env.KOMMHOOK_TEST_POSTGRES_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  process.env.KOMMHOOK_TEST_RUN = `${process.pid}_${Date.now().toString(36)}`;
}
