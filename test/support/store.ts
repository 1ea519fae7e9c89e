import { basename, join } from 'node:path';
import { Client } from 'pg';

/**
 * The store the e2e suites run on. `npm test`: an SQLite file in each test's
 * data directory. `npm run test:pg`: a PostgreSQL database (set in
 * KOMMHOOK_TEST_POSTGRES_URL by that script), in a schema of its own per data
 * directory, so a restart on the same directory finds the same store; the run's
 * schemas are dropped when it ends (test/support/postgres-teardown.ts).
 */
export const TEST_POSTGRES_URL = process.env.KOMMHOOK_TEST_POSTGRES_URL;

/** Every schema of this run starts with it: the teardown drops them by it. */
export const runPrefix = (): string => `kh_${process.env.KOMMHOOK_TEST_RUN ?? 'run'}_`;

const schemaOf = (dataDir: string): string =>
  `${runPrefix()}${basename(dataDir)
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()}`;

/** The variables that point an app at its store; none on SQLite (DATA_DIR says where). */
export async function storeEnv(dataDir: string): Promise<Record<string, string>> {
  if (!TEST_POSTGRES_URL) return {};
  const schema = schemaOf(dataDir);
  await adminQuery(`create schema if not exists ${schema}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { DATABASE_URL: url.toString() };
}

/**
 * Runs a read on a connection of its own, not the app's: what it sees is
 * committed. `text` uses `?` placeholders (turned into `$1…` on PostgreSQL).
 */
export async function readCommitted<R>(
  dataDir: string,
  text: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  if (!TEST_POSTGRES_URL) {
    const Sqlite = (await import('better-sqlite3')).default;
    const db = new Sqlite(join(dataDir, 'kommhook.sqlite'), { readonly: true });
    try {
      return db.prepare(text).all(...params) as R[];
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`set search_path to ${schemaOf(dataDir)}`);
    let n = 0;
    const { rows } = await client.query(
      text.replace(/\?/g, () => `$${++n}`),
      [...params],
    );
    return rows as R[];
  } finally {
    await client.end();
  }
}

export async function adminQuery(text: string): Promise<void> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
