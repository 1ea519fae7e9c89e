import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Clock } from '../common/clock/clock';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { invalidQuery, parseChoice, parseLimit } from '../common/query/query-params';
import {
  AnalyticsStore,
  AnalyticsSummary,
  AnalyticsTotals,
  ContentTypeCount,
  DAY_MS,
  HOUR_MS,
  TopBy,
} from './analytics-store';
import { parseOffsetHours, parseTimeRange } from './time-range';

const TOP_LIMIT = 10;
const MAX_POINTS = 2000;

const iso = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString();

const RANGE_QUERIES = [
  ApiQuery({
    name: 'since',
    required: false,
    type: String,
    description: 'ISO time or epoch ms, inclusive',
  }),
  ApiQuery({
    name: 'until',
    required: false,
    type: String,
    description: 'ISO time or epoch ms, exclusive',
  }),
];

@ApiTags('analytics')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'ADMIN.UNAUTHORIZED: no or wrong admin token' })
@Controller('api/analytics')
@UseGuards(AdminTokenGuard)
export class AnalyticsController {
  constructor(
    private readonly analytics: AnalyticsStore,
    private readonly clock: Clock,
  ) {}

  /** Totals over `[since, until)`; either bound may be left out. */
  @Get('summary')
  @ApiOkResponse({ description: 'Totals, webhook delay p50/p95, attachments by type, top 10s' })
  @RangeQueries()
  async summary(
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
  ): Promise<AnalyticsSummary & { since: string | null; until: string | null }> {
    const range = parseTimeRange(since, until);
    const summary = await this.analytics.summary(range, TOP_LIMIT);
    return { since: iso(range.since), until: iso(range.until), ...summary };
  }

  /** One point per hour or day, empty ones included; by default the last 48 hours or 30 days. */
  @Get('timeseries')
  @ApiOkResponse({ description: '{ bucket, tz, since, until, points: [{ start, …totals }] }' })
  @ApiQuery({ name: 'bucket', required: false, enum: ['hour', 'day'] })
  @ApiQuery({
    name: 'tz',
    required: false,
    type: String,
    description: 'Whole-hour UTC offset for days: +02:00, -5, UTC',
  })
  @RangeQueries()
  async timeseries(
    @Query('bucket') bucketText?: unknown,
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
    @Query('tz') tz?: unknown,
  ): Promise<{
    bucket: 'hour' | 'day';
    tz: string;
    since: string;
    until: string;
    points: (AnalyticsTotals & { start: string })[];
  }> {
    const bucket = parseChoice('bucket', bucketText, ['hour', 'day'] as const) ?? 'hour';
    const offsetHours = parseOffsetHours(tz);
    const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
    const parsed = parseTimeRange(since, until);
    const end = parsed.until ?? this.clock.now().getTime();
    const range = { since: parsed.since ?? end - (bucket === 'hour' ? 48 : 30) * size, until: end };
    if (range.since >= range.until) throw invalidQuery('since', 'since must be earlier than until');
    if ((range.until - range.since) / size > MAX_POINTS) {
      throw invalidQuery('since', `the range holds more than ${MAX_POINTS} ${bucket}s`);
    }
    const points = await this.analytics.timeseries(bucket, range, offsetHours);
    return {
      bucket,
      tz: formatOffset(offsetHours),
      since: new Date(range.since).toISOString(),
      until: new Date(range.until).toISOString(),
      points: points.map(({ start, ...totals }) => ({
        start: new Date(start).toISOString(),
        ...totals,
      })),
    };
  }

  /** The busiest conversations or senders over the range. */
  @Get('top')
  @ApiOkResponse({ description: '{ by, items: [{ key, messages }] }' })
  @ApiQuery({ name: 'by', required: false, enum: ['conversation', 'sender'] })
  @ApiQuery({ name: 'limit', required: false, type: String, description: '1-100, default 10' })
  @RangeQueries()
  async top(
    @Query('by') byText?: unknown,
    @Query('limit') limitText?: unknown,
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
  ): Promise<{ by: TopBy; items: { key: string; messages: number }[] }> {
    const by = parseChoice('by', byText, ['conversation', 'sender'] as const) ?? 'conversation';
    const limit = parseLimit(limitText, TOP_LIMIT, 100);
    return { by, items: await this.analytics.top(by, parseTimeRange(since, until), limit) };
  }

  /** Attachments and their bytes by content type. */
  @Get('attachments')
  @ApiOkResponse({
    description: '{ items: [{ contentType, attachments, bytes }], attachments, bytes }',
  })
  @RangeQueries()
  async attachments(
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
  ): Promise<{ items: ContentTypeCount[]; attachments: number; bytes: number }> {
    const items = await this.analytics.attachments(parseTimeRange(since, until));
    return {
      items,
      attachments: items.reduce((sum, item) => sum + item.attachments, 0),
      bytes: items.reduce((sum, item) => sum + item.bytes, 0),
    };
  }
}

function RangeQueries(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorate of RANGE_QUERIES) decorate(target, key, descriptor);
  };
}

function formatOffset(hours: number): string {
  const sign = hours < 0 ? '-' : '+';
  return `${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}
