import {
  All,
  Body,
  Controller,
  Header,
  HttpCode,
  Options,
  Post,
  Req,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Clock } from '../common/clock/clock';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
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

  /** Says what the path accepts; like a 405, it needs no token and reveals nothing. */
  @Options()
  @HttpCode(204)
  @Header('Allow', 'POST')
  @ApiExcludeEndpoint()
  options(): void {}

  /** Every other method, HEAD included (answered like GET, without a body). */
  @All()
  @ApiExcludeEndpoint()
  otherMethods(): never {
    throw new AppException(
      ErrorCode.WebhookMethodNotAllowed,
      'Only POST is accepted here.',
      undefined,
      { Allow: 'POST' },
    );
  }
}
