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

export const storageConfig = registerAs('storage', () => {
  const env = validateEnvironment(process.env);
  const dataDir = dataDirOf(env.DATA_DIR);
  const fromUrl = env.DATABASE_URL?.replace(/^(sqlite|file):(\/\/)?/, '');
  const sqliteFile = fromUrl
    ? isAbsolute(fromUrl)
      ? fromUrl
      : resolve(fromUrl)
    : resolve(dataDir, 'kommhook.sqlite');
  prepareDirectory(dirname(sqliteFile), fromUrl ? 'DATABASE_URL' : 'DATA_DIR');
  return {
    dataDir,
    sqliteFile,
    /** How long a write waits for a lock another process holds; then 503. */
    busyTimeoutMs: env.STORE_BUSY_TIMEOUT_MS ?? 2000,
  };
});
