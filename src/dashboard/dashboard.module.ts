import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** GET /dashboard: a page over /api/analytics and /api/deliveries, served by the app itself. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
