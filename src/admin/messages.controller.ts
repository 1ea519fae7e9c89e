import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import {
  decodeCursor,
  parseInstant,
  parseLimit,
  pathText,
  queryText,
} from '../common/query/query-params';
import { DeliveryService } from '../delivery';
import { MessageStore } from '../inbox/message-store';
import { DeliveryView, ReplayAnswer } from './views/delivery.view';
import { MessageDetail, MessagePage, MessageView } from './views/message.view';

const notFound = (key: string): AppException =>
  new AppException(
    ErrorCode.AdminNotFound,
    `No message with key ${JSON.stringify(key)} is stored.`,
  );

@ApiTags('messages')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'ADMIN.UNAUTHORIZED: no or wrong admin token' })
@Controller('api/messages')
@UseGuards(AdminTokenGuard)
export class MessagesController {
  constructor(
    private readonly messages: MessageStore,
    private readonly deliveryService: DeliveryService,
  ) {}

  @Get()
  @ApiOkResponse({ type: MessagePage, description: 'Newest first; keyset pagination' })
  @ApiQuery({ name: 'conversation', required: false, type: String, example: 'group:555001' })
  @ApiQuery({ name: 'from', required: false, type: String, description: 'Sender user id' })
  @ApiQuery({
    name: 'since',
    required: false,
    type: String,
    description: 'ISO time or epoch ms, inclusive',
  })
  @ApiQuery({
    name: 'until',
    required: false,
    type: String,
    description: 'ISO time or epoch ms, exclusive',
  })
  @ApiQuery({ name: 'limit', required: false, type: String, description: '1-500, default 50' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'nextCursor of the previous page',
  })
  async list(
    @Query('conversation') conversation?: unknown,
    @Query('from') from?: unknown,
    @Query('since') since?: unknown,
    @Query('until') until?: unknown,
    @Query('limit') limit?: unknown,
    @Query('cursor') cursor?: unknown,
  ): Promise<MessagePage> {
    const page = await this.messages.list(
      {
        conversation: queryText('conversation', conversation),
        from: queryText('from', from),
        since: parseInstant('since', since),
        until: parseInstant('until', until),
      },
      parseLimit(limit),
      decodeCursor(cursor, true),
    );
    return {
      items: page.items.map((stored) => MessageView.of(stored)),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':key')
  @ApiOkResponse({ type: MessageDetail })
  @ApiNotFoundResponse({ description: 'ADMIN.NOT_FOUND' })
  async get(@Param('key') keyParam: string): Promise<MessageDetail> {
    const key = pathText('key', keyParam);
    const stored = await this.messages.findByKey(key);
    if (!stored) throw notFound(key);
    const deliveries = await this.deliveryService.forMessage(key);
    return {
      message: MessageView.of(stored),
      raw: JSON.parse(stored.raw) as Record<string, unknown>,
      deliveries: deliveries.map((delivery) => DeliveryView.of(delivery)),
    };
  }

  @Post(':key/replay')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ReplayAnswer,
    description: "The message's deliveries, due now with a fresh retry schedule",
  })
  @ApiNotFoundResponse({ description: 'ADMIN.NOT_FOUND' })
  @ApiQuery({
    name: 'listener',
    required: false,
    type: String,
    description: 'Replay to this listener only',
  })
  async replay(
    @Param('key') keyParam: string,
    @Query('listener') listener?: unknown,
  ): Promise<ReplayAnswer> {
    const key = pathText('key', keyParam);
    const deliveries = await this.deliveryService.replay(key, queryText('listener', listener));
    if (!deliveries) throw notFound(key);
    return {
      key,
      deliveries: deliveries.map(({ id, eventName, listener: name }) => ({
        id,
        event: eventName,
        listener: name,
      })),
    };
  }
}
