import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedSecrets {
  webhookToken: string;
  adminToken: string;
}

export const SECRETS_FILE = 'secrets.json';

const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * Zero-config start: tokens the operator did not set are generated once and
 * kept under DATA_DIR (mode 0600), so they survive restarts.
 */
export function loadOrCreateSecrets(dataDir: string): GeneratedSecrets {
  const file = join(dataDir, SECRETS_FILE);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>;
    if (typeof stored.webhookToken === 'string' && typeof stored.adminToken === 'string') {
      return { webhookToken: stored.webhookToken, adminToken: stored.adminToken };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secrets = { webhookToken: newToken(), adminToken: newToken() };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // 'wx' so that two instances starting at once cannot overwrite each other's tokens.
  try {
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecrets(dataDir);
    throw error;
  }
  chmodSync(file, 0o600);
  return secrets;
}
