import { Module } from '@nestjs/common';
import { SupportSessionsExport } from './export/sessions-export';
import { SupportSessionsListener } from './listeners/support-sessions.listener';
import { SupportRoles } from './roles/support-roles';
import { SqlSupportStore } from './sql-support-store';
import { SupportController } from './support.controller';
import { SupportMetrics } from './support.metrics';
import { SupportReports } from './support-reports';
import { SupportStore } from './support-store';
import { SupportWaits } from './support-waits';

@Module({
  controllers: [SupportController],
  providers: [
    { provide: SupportStore, useClass: SqlSupportStore },
    SupportRoles,
    SupportMetrics,
    SupportReports,
    SupportSessionsExport,
    SupportSessionsListener,
    SupportWaits,
  ],
  exports: [SupportReports, SupportRoles, SupportWaits],
})
export class SupportModule {}
