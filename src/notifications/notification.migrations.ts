import type { Migration } from 'kysely';
import * as notifications from './migrations/0004-notifications';
import * as digests from './migrations/0010-notification-digests';
import * as dedupKey from './migrations/0010-notification-dedup-key';

/** The notification log. Names are global: StorageModule runs every module's migrations in name order. */
export const NOTIFICATION_MIGRATIONS: Record<string, Migration> = {
  '0004-notifications': notifications,
  '0010-notification-digests': digests,
  '0010-notification-dedup-key': dedupKey,
};
