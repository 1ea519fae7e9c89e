import { registerAs } from '@nestjs/config';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigurationError, reasonOf, validateEnvironment } from './environment';

export const dataDirOf = (value: string | undefined): string => resolve(value ?? './data');

/**
 * Creates a missing directory owner-only (it holds chat text and tokens) and
 * checks that it can be written, so a bad path stops the start naming `variable`.
 */
export function prepareDirectory(dir: string, variable: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new ConfigurationError(`${variable}: cannot use ${dir} (${reasonOf(error)})`);
  }
}

/** Where the messages live: an SQLite file (the default) or a PostgreSQL database. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly file: string }
  | {
      readonly kind: 'postgres';
      /** Holds the password: never logged. */
      readonly url: string;
      readonly poolSize: number;
      readonly statementTimeoutMs: number;
    };

export const storageConfig = registerAs('storage', () => {
  const env = validateEnvironment(process.env);
  const dataDir = dataDirOf(env.DATA_DIR);
  const url = env.DATABASE_URL;
  let location: StoreLocation;
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) {
    location = {
      kind: 'postgres',
      url,
      poolSize: env.DATABASE_POOL_SIZE ?? 10,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS ?? 10_000,
    };
  } else {
    const fromUrl = url?.replace(/^(sqlite|file):(\/\/)?/, '');
    const file = fromUrl
      ? isAbsolute(fromUrl)
        ? fromUrl
        : resolve(fromUrl)
      : resolve(dataDir, 'kommhook.sqlite');
    prepareDirectory(dirname(file), fromUrl ? 'DATABASE_URL' : 'DATA_DIR');
    location = { kind: 'sqlite', file };
  }
  return {
    dataDir,
    location,
    /** How long a write waits for a lock another process or instance holds; then 503. */
    busyTimeoutMs: env.STORE_BUSY_TIMEOUT_MS ?? 2000,
  };
});
