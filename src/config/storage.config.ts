import { registerAs } from '@nestjs/config';
import { isAbsolute, resolve } from 'node:path';
import { validateEnvironment } from './environment';

export const dataDirOf = (value: string | undefined): string => resolve(value ?? './data');

export const storageConfig = registerAs('storage', () => {
  const env = validateEnvironment(process.env);
  const dataDir = dataDirOf(env.DATA_DIR);
  const fromUrl = env.DATABASE_URL?.replace(/^(sqlite|file):(\/\/)?/, '');
  const sqliteFile = fromUrl
    ? isAbsolute(fromUrl)
      ? fromUrl
      : resolve(fromUrl)
    : resolve(dataDir, 'kommhook.sqlite');
  return {
    dataDir,
    sqliteFile,
    /** How long a write waits for a lock another process holds; then 503. */
    busyTimeoutMs: env.STORE_BUSY_TIMEOUT_MS ?? 2000,
  };
});
