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
  parseChoice,
  parseInstant,
  parseLimit,
  parseUuid,
  queryText,
} from '../common/query/query-params';
import { DELIVERY_STATUSES, DeliveryService } from '../delivery';
import { DeliveryPage, DeliveryView, RetryCount } from './views/delivery.view';

@ApiTags('deliveries')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'ADMIN.UNAUTHORIZED: no or wrong admin token' })
@Controller('api/deliveries')
@UseGuards(AdminTokenGuard)
export class DeliveriesController {
  constructor(private readonly deliveryService: DeliveryService) {}

  @Get()
  @ApiOkResponse({ type: DeliveryPage, description: 'Newest first; keyset pagination' })
  @ApiQuery({ name: 'status', required: false, enum: DELIVERY_STATUSES })
  @ApiQuery({ name: 'listener', required: false, type: String, example: 'analytics.messages' })
  @ApiQuery({ name: 'limit', required: false, type: String, description: '1-500, default 50' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'nextCursor of the previous page',
  })
  async list(
    @Query('status') status?: unknown,
    @Query('listener') listener?: unknown,
    @Query('limit') limit?: unknown,
    @Query('cursor') cursor?: unknown,
  ): Promise<DeliveryPage> {
    const page = await this.deliveryService.list(
      {
        status: parseChoice('status', status, DELIVERY_STATUSES),
        listener: queryText('listener', listener),
      },
      parseLimit(limit),
      decodeCursor(cursor),
    );
    return { items: page.items.map((d) => DeliveryView.of(d)), nextCursor: page.nextCursor };
  }

  @Post('retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: RetryCount, description: 'Matching deliveries are due now' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['dead', 'failed'],
    description: 'Default dead',
  })
  @ApiQuery({ name: 'listener', required: false, type: String })
  @ApiQuery({
    name: 'since',
    required: false,
    type: String,
    description: 'Created at or after (ISO or epoch ms)',
  })
  async retryMany(
    @Query('status') status?: unknown,
    @Query('listener') listener?: unknown,
    @Query('since') since?: unknown,
  ): Promise<RetryCount> {
    const count = await this.deliveryService.retryMany({
      status: parseChoice('status', status, ['dead', 'failed'] as const) ?? 'dead',
      listener: queryText('listener', listener),
      since: parseInstant('since', since),
    });
    return { count };
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DeliveryView, description: 'The delivery, due now' })
  @ApiNotFoundResponse({ description: 'ADMIN.NOT_FOUND' })
  async retry(@Param('id') idParam: string): Promise<DeliveryView> {
    const id = parseUuid('id', idParam);
    const delivery = await this.deliveryService.retry(id);
    if (!delivery) {
      throw new AppException(ErrorCode.AdminNotFound, `No delivery with id ${JSON.stringify(id)}.`);
    }
    return DeliveryView.of(delivery);
  }
}
