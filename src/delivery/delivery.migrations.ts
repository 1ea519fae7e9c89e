import type { Migration } from 'kysely';
import * as deliveries from './migrations/0003-deliveries';

/** The deliveries. Names are global: StorageModule runs every module's migrations in name order. */
export const DELIVERY_MIGRATIONS: Record<string, Migration> = {
  '0003-deliveries': deliveries,
};
