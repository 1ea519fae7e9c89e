import { Body, Controller, HttpCode, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Clock } from '../common/clock/clock';
import { JsonBodyInterceptor, type RequestWithRawText } from './body/json-body.interceptor';
import { KommunicateMessageDto } from './dto/kommunicate-message.dto';
import { toReceivedMessage } from './dto/to-received-message';
import { BasicTokenGuard } from './guards/basic-token.guard';
import { RateLimitGuard } from './guards/rate-limit.guard';
import { AcceptOutcome, WebhookService } from './webhook.service';

/** Thin: the guards, interceptor and pipe have judged the request; the service decides. */
@ApiTags('webhook')
@Controller()
export class WebhookController {
  constructor(
    private readonly webhooks: WebhookService,
    private readonly clock: Clock,
  ) {}

  // The path is WEBHOOK_PATH: WebhookModule mounts this handler there.
  @Post()
  @HttpCode(200)
  @UseGuards(RateLimitGuard, BasicTokenGuard)
  @UseInterceptors(JsonBodyInterceptor)
  @ApiOperation({
    summary: "Kommunicate's message webhook",
    description:
      'Authentication: Basic <base64 of a WEBHOOK_TOKENS token>. 200 only after the message is committed.',
  })
  @ApiOkResponse({ description: '{"status":"accepted"|"duplicate","key":…}' })
  @ApiBadRequestResponse({ description: 'WEBHOOK.MALFORMED_JSON or WEBHOOK.INVALID_PAYLOAD' })
  @ApiUnauthorizedResponse({ description: 'WEBHOOK.UNAUTHORIZED' })
  receive(
    @Body() dto: KommunicateMessageDto,
    @Req() request: RequestWithRawText,
  ): Promise<AcceptOutcome> {
    return this.webhooks.accept(toReceivedMessage(dto, this.clock.now()), request.rawText ?? '');
  }
}
