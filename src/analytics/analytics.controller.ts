import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../common/guards/admin-token.guard';
import { AnalyticsStore, AnalyticsSummary } from './analytics-store';
import { parseTimeRange } from './time-range';

const TOP_LIMIT = 10;

@Controller('api/analytics')
@UseGuards(AdminTokenGuard)
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsStore) {}

  /** Totals over `[since, until)`, ISO times or epoch ms; either bound may be left out. */
  @Get('summary')
  async summary(
    @Query('since') since?: string,
    @Query('until') until?: string,
  ): Promise<AnalyticsSummary & { since: string | null; until: string | null }> {
    const range = parseTimeRange(since, until);
    const summary = await this.analytics.summary(range, TOP_LIMIT);
    return {
      since: range.since === undefined ? null : new Date(range.since).toISOString(),
      until: range.until === undefined ? null : new Date(range.until).toISOString(),
      ...summary,
    };
  }
}
