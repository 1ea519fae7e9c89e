import type { Migration } from 'kysely';
import * as analytics from './migrations/0002-analytics';
import * as counted from './migrations/0003-analytics-counted';
import * as daysAndDelay from './migrations/0005-analytics-days-and-delay';
import * as rollups from './migrations/0007-analytics-rollups';

/** The aggregates. Names are global: StorageModule runs every module's migrations in name order. */
export const ANALYTICS_MIGRATIONS: Record<string, Migration> = {
  '0002-analytics': analytics,
  '0003-analytics-counted': counted,
  '0005-analytics-days-and-delay': daysAndDelay,
  '0007-analytics-rollups': rollups,
};
