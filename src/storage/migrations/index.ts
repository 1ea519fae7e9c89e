import type { Migration, MigrationProvider } from 'kysely';
import * as messages from './0001-messages';
import * as analytics from './0002-analytics';
import * as deliveries from './0003-deliveries';
import * as notifications from './0004-notifications';
import * as analyticsDays from './0005-analytics-days-and-delay';
import * as storeProbe from './0006-store-probe';
import * as analyticsRollups from './0007-analytics-rollups';

/** Listed in code, not read from disk, so they run the same from src/ under tests and from dist/. */
export const migrationProvider: MigrationProvider = {
  getMigrations: (): Promise<Record<string, Migration>> =>
    Promise.resolve({
      '0001-messages': messages,
      '0002-analytics': analytics,
      '0003-deliveries': deliveries,
      '0004-notifications': notifications,
      '0005-analytics-days-and-delay': analyticsDays,
      '0006-store-probe': storeProbe,
      '0007-analytics-rollups': analyticsRollups,
    }),
};
