import { ANALYTICS_MIGRATIONS } from './analytics/analytics.migrations';
import type { AnalyticsTables } from './analytics/analytics.tables';
import { DELIVERY_MIGRATIONS } from './delivery/delivery.migrations';
import type { DeliveryTables } from './delivery/delivery.tables';
import { INBOX_MIGRATIONS } from './inbox/inbox.migrations';
import type { InboxTables } from './inbox/inbox.tables';
import { NOTIFICATION_MIGRATIONS } from './notifications/notification.migrations';
import type { NotificationTables } from './notifications/notification.tables';
import type { StorageTables } from './storage/tables';
import { SUPPORT_MIGRATIONS } from './support/support.migrations';
import type { SupportTables } from './support/support.tables';

/** Every module's tables: the composition root hands them to StorageModule. */
export const APP_MIGRATIONS = [
  INBOX_MIGRATIONS,
  DELIVERY_MIGRATIONS,
  ANALYTICS_MIGRATIONS,
  NOTIFICATION_MIGRATIONS,
  SUPPORT_MIGRATIONS,
];

/** Every table of the service, for code that sees the whole store (tests, benches, scripts). */
export type AppTables = StorageTables &
  InboxTables &
  DeliveryTables &
  AnalyticsTables &
  NotificationTables &
  SupportTables;
