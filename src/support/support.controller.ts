import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ConfigService } from '@nestjs/config';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { invalidQuery, parseInstant, parseLimit, queryText } from '../common/query/query-params';
import { isValidTimeZone } from '../common/time/weekly-window';
import type { AllConfig } from '../config/all-config';
import {
  Heatmap,
  ResponseTimes,
  RolePreview,
  SupportReports,
  SupportSummary,
  WaitItem,
} from './support-reports';
import type { TimeRange } from './support-store';

const PREVIEW_SENDERS = 50;

interface RangeEcho {
  since: string | null;
  until: string | null;
}

const iso = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString();

function parseRange(since: unknown, until: unknown): TimeRange {
  const range = { since: parseInstant('since', since), until: parseInstant('until', until) };
  if (range.since !== undefined && range.until !== undefined && range.since >= range.until) {
    throw invalidQuery('until', 'until must be later than since');
  }
  return range;
}

function RangeQueries(): MethodDecorator {
  const decorators = [
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
    ApiBadRequestResponse({ description: 'ADMIN.INVALID_QUERY: a parameter is wrong' }),
  ];
  return (target, key, descriptor) => {
    for (const decorate of decorators) decorate(target, key, descriptor);
  };
}

@ApiTags('support')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'ADMIN.UNAUTHORIZED: no or wrong admin token' })
@Controller('api/support')
@UseGuards(AdminTokenGuard)
export class SupportController {
  private readonly timeZone: string;

  constructor(
    private readonly reports: SupportReports,
    config: ConfigService<AllConfig, true>,
  ) {
    this.timeZone = config.get('support', { infer: true }).timeZone;
  }

  /** Sessions started in the range and their response times' median, P90 and mean. */
  @Get('summary')
  @ApiOkResponse({
    description:
      '{ since, until, sessions, firstResponse, firstResponseWithBots, handoff, reply (each { wall, business }: { count, medianMs, p90Ms, meanMs }), messagesPerSession }',
  })
  @RangeQueries()
  async summary(
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
  ): Promise<SupportSummary & RangeEcho> {
    const range = parseRange(since, until);
    return { ...echo(range), ...(await this.reports.summary(range)) };
  }

  /** The response times' distributions: figures and the 0-1m … 24h+ buckets, on both clocks. */
  @Get('response-times')
  @ApiOkResponse({
    description:
      '{ since, until, firstResponse, firstResponseWithBots, handoff, reply: { wall, business }: { count, medianMs, p90Ms, meanMs, buckets: [{ label, count }] } }',
  })
  @RangeQueries()
  async responseTimes(
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
  ): Promise<ResponseTimes & RangeEcho> {
    const range = parseRange(since, until);
    return { ...echo(range), ...(await this.reports.responseTimes(range)) };
  }

  /** Customer messages by weekday and hour in a time zone. */
  @Get('heatmap')
  @ApiOkResponse({ description: '{ since, until, tz, days, cells: [day][hour], total }' })
  @ApiQuery({
    name: 'tz',
    required: false,
    type: String,
    description: 'IANA time zone, e.g. Europe/Berlin; default SUPPORT_TIMEZONE',
  })
  @RangeQueries()
  async heatmap(
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
    @Query('tz') tzText?: unknown,
  ): Promise<Heatmap & RangeEcho & { tz: string }> {
    const range = parseRange(since, until);
    const tz = queryText('tz', tzText, 64) ?? this.timeZone;
    if (!isValidTimeZone(tz)) {
      throw invalidQuery('tz', 'tz must be an IANA time zone such as Europe/Berlin or UTC');
    }
    return { ...echo(range), tz, ...(await this.reports.heatmap(range, tz)) };
  }

  /** The longest customer waits that started in the range, answered or not. */
  @Get('waits')
  @ApiOkResponse({
    description:
      '{ since, until, items: [{ conversationKey, sessionStartedAt, customerMessageKey, waitStartedAt, answeredAt, replyMessageKey, answered, waitMs, businessWaitMs, link }] }',
  })
  @ApiQuery({ name: 'limit', required: false, type: String, description: '1-100, default 10' })
  @RangeQueries()
  async waits(
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
    @Query('limit') limitText?: unknown,
  ): Promise<RangeEcho & { items: WaitItem[] }> {
    const range = parseRange(since, until);
    const limit = parseLimit(limitText, 10, 100);
    return { ...echo(range), items: await this.reports.waits(range, limit) };
  }

  /** How the 50 senders with the latest messages are classified, and why. */
  @Get('roles/preview')
  @ApiOkResponse({
    description:
      '{ items: [{ sender, role, reason, recordedRole, recordedReason, lastMessageAt }] }',
  })
  async rolesPreview(): Promise<{ items: RolePreview[] }> {
    return { items: await this.reports.rolesPreview(PREVIEW_SENDERS) };
  }
}

function echo(range: TimeRange): RangeEcho {
  return { since: iso(range.since), until: iso(range.until) };
}
