import type { Migration } from 'kysely';
import * as support from './migrations/0009-support';

/** Support metrics' tables. Names are global: StorageModule runs every module's migrations in name order. */
export const SUPPORT_MIGRATIONS: Record<string, Migration> = {
  '0009-support': support,
};
