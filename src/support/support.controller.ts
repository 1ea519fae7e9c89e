import { Controller, Get, Logger, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ResponseWriter } from '../common/http/response-writer';
import {
  decodeCursor,
  invalidQuery,
  parseChoice,
  parseInstant,
  parseLimit,
  queryText,
} from '../common/query/query-params';
import { isValidTimeZone } from '../common/time/weekly-window';
import type { AllConfig } from '../config/all-config';
import { EXPORT_FORMATS, EXPORT_WRITERS, ExportFormat, MEDIA_TYPES } from './export/export-formats';
import { EXPORT_LIMIT_MAX, SupportSessionsExport } from './export/sessions-export';
import {
  Heatmap,
  ResponseTimes,
  RolePreview,
  SupportReports,
  SupportSummary,
  WaitItem,
} from './support-reports';
import type { SessionPosition, TimeRange } from './support-store';

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
  private static readonly logger = new Logger('SupportController');
  private readonly timeZone: string;

  constructor(
    private readonly reports: SupportReports,
    private readonly sessionsExport: SupportSessionsExport,
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

  /**
   * One row per session that started in the range, oldest first, as CSV or
   * NDJSON, streamed a page at a time with backpressure. Paged with `limit`
   * (the next page's cursor in `X-Next-Cursor` and `Link`), the whole range otherwise.
   */
  @Get('sessions')
  @ApiProduces(MEDIA_TYPES.ndjson, MEDIA_TYPES.csv)
  @ApiOkResponse({
    description:
      'Rows of conversation, sessionStart, sessionEnd, initiator, customer, agents, messages, customerMessages, agentMessages, botMessages, firstResponseMs, firstResponseBusinessMs, replies, meanReplyMs, meanReplyBusinessMs, longestWaitMs, longestWaitBusinessMs, unanswered, waitingSince',
  })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: EXPORT_FORMATS,
    description: 'Overrides Accept (text/csv or application/x-ndjson); default ndjson',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    type: String,
    description: `1-${EXPORT_LIMIT_MAX}: one page and X-Next-Cursor; absent: the whole range`,
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'X-Next-Cursor of the previous page',
  })
  @RangeQueries()
  async sessions(
    @Req() request: Request,
    @Res() response: Response,
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
    @Query('format') formatText?: unknown,
    @Query('limit') limitText?: unknown,
    @Query('cursor') cursorText?: unknown,
  ): Promise<void> {
    const range = parseRange(since, until);
    const format = parseChoice('format', formatText, EXPORT_FORMATS) ?? negotiate(request);
    // No limit: the whole range (the fallback below is never used).
    const limit =
      queryText('limit', limitText) === undefined
        ? undefined
        : parseLimit(limitText, 1, EXPORT_LIMIT_MAX);
    const after = sessionCursor(cursorText);
    // Everything that can fail as a 400 or a store error has happened before the first byte.
    const run = await this.sessionsExport.open({ range, after, limit });

    const writer = EXPORT_WRITERS[format];
    response.status(200);
    response.setHeader('Content-Type', writer.contentType);
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="support-sessions.${writer.extension}"`,
    );
    response.setHeader('Vary', 'Accept');
    if (run.nextCursor !== null) {
      response.setHeader('X-Next-Cursor', run.nextCursor);
      response.setHeader('Link', `<${nextPageUrl(request, run.nextCursor)}>; rel="next"`);
    }
    const out = new ResponseWriter(response);
    try {
      if (!(await out.write(writer.header))) return;
      for await (const page of run.pages()) {
        // Leaving the loop ends the generator: a client gone stops the reading.
        if (!(await out.write(writer.rows(page)))) return;
      }
      response.end();
    } catch (error) {
      // The status is sent: all that can tell the client is a stream cut short.
      SupportController.logger.error(
        `sessions export failed after its first byte: ${String(error)}`,
      );
      response.destroy();
    }
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

/** `Accept` when it names a format (the better-weighted one if both), NDJSON otherwise. */
function negotiate(request: Request): ExportFormat {
  const accepted = request.accepts([MEDIA_TYPES.ndjson, MEDIA_TYPES.csv]);
  return accepted === MEDIA_TYPES.csv ? 'csv' : 'ndjson';
}

/** An export's cursor: a session's start and its conversation key. */
function sessionCursor(value: unknown): SessionPosition | undefined {
  const cursor = decodeCursor(value);
  if (cursor === undefined) return undefined;
  if (typeof cursor.id !== 'string') {
    throw invalidQuery('cursor', 'cursor must be a value returned as nextCursor');
  }
  return { startedAt: cursor.at, conversationKey: cursor.id };
}

/** The same request with the next page's cursor. */
function nextPageUrl(request: Request, cursor: string): string {
  const url = new URL(request.originalUrl, 'http://localhost');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

function echo(range: TimeRange): RangeEcho {
  return { since: iso(range.since), until: iso(range.until) };
}
