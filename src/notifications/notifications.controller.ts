import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import {
  decodeCursor,
  Page,
  parseChoice,
  parseLimit,
  queryText,
} from '../common/query/query-params';
import { NotificationEntry, NotificationLog, NOTIFICATION_STATUSES } from './notification-log';

@ApiTags('notifications')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'ADMIN.UNAUTHORIZED: no or wrong admin token' })
@Controller('api/notifications')
@UseGuards(AdminTokenGuard)
export class NotificationsController {
  constructor(private readonly log: NotificationLog) {}

  /** Every attempt to notify, newest first: rule, channel, outcome, the far side's status. */
  @Get()
  @ApiOkResponse({
    description:
      '{ items: [{ id, deliveryId, rule, channel, event, messageKey, conversation, status, error, remoteStatus, dedupKey, createdAt, finishedAt }], nextCursor }',
  })
  @ApiQuery({ name: 'rule', required: false, type: String })
  @ApiQuery({
    name: 'channel',
    required: false,
    type: String,
    description: 'e.g. email, slack, webhook-2',
  })
  @ApiQuery({ name: 'status', required: false, enum: NOTIFICATION_STATUSES })
  @ApiQuery({ name: 'limit', required: false, type: String, description: '1-500, default 50' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'nextCursor of the previous page',
  })
  list(
    @Query('rule') rule?: unknown,
    @Query('channel') channel?: unknown,
    @Query('status') status?: unknown,
    @Query('limit') limit?: unknown,
    @Query('cursor') cursor?: unknown,
  ): Promise<Page<NotificationEntry>> {
    return this.log.list(
      {
        rule: queryText('rule', rule),
        channel: queryText('channel', channel),
        status: parseChoice('status', status, NOTIFICATION_STATUSES),
      },
      parseLimit(limit),
      decodeCursor(cursor, true),
    );
  }
}
