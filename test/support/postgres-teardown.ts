import { Client } from 'pg';
import { runPrefix } from './store';

/** Drops every schema the run made. */
export default async function teardown(): Promise<void> {
  const client = new Client({ connectionString: process.env.KOMMHOOK_TEST_POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname like $1`,
      [`${runPrefix()}%`],
    );
    for (const { name } of rows) await client.query(`drop schema if exists ${name} cascade`);
    process.stdout.write(`test:pg dropped ${rows.length} schemas of this run\n`);
  } finally {
    await client.end();
  }
}
