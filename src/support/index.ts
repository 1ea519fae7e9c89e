/**
 * What other modules may use of support: its reports (figures over a range)
 * and the role of a sender. The tables, the listener and the store are its own.
 */
export { SupportModule } from './support.module';
export { SupportReports } from './support-reports';
export type {
  Heatmap,
  MessageVolume,
  OnBothClocks,
  ResponseTimes,
  RolePreview,
  SupportSummary,
  WaitItem,
} from './support-reports';
export { SupportRoles } from './roles/support-roles';
export type { TimeRange } from './support-store';
export { SupportWaits } from './support-waits';
export type { CustomerWait, WaitLookup } from './support-waits';
