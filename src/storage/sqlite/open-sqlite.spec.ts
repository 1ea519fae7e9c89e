import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from './open-sqlite';

const modeOf = (path: string): number => statSync(path).mode & 0o777;
const filesOf = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`];

describe('openSqlite: the files hold chat text, so only their owner reads them', () => {
  let dir: string;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-modes-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the directories 0700 and the database, its WAL and SHM 0600', async () => {
    const file = join(dir, 'data', 'nested', 'kommhook.sqlite');
    const db = await openSqlite(file, { busyTimeoutMs: 2000, migrations: [] });
    try {
      // The migration wrote through the WAL: all three files exist while the store is open.
      expect(filesOf(file).map(modeOf)).toEqual([0o600, 0o600, 0o600]);
      expect(modeOf(join(dir, 'data'))).toBe(0o700);
      expect(modeOf(join(dir, 'data', 'nested'))).toBe(0o700);
    } finally {
      await db.destroy();
    }
  });

  it('tightens a database an older version left readable, with its WAL and SHM', async () => {
    const file = join(dir, 'kommhook.sqlite');
    // Another connection keeps the WAL and SHM in place, as after a crash.
    const old = new BetterSqlite3(file);
    try {
      old.pragma('journal_mode = WAL');
      old.exec('create table leftover (x)');
      for (const path of filesOf(file)) chmodSync(path, 0o644);

      const db = await openSqlite(file, { busyTimeoutMs: 2000, migrations: [] });
      await db.destroy();

      expect(filesOf(file).map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    } finally {
      old.close();
    }
  });
});
