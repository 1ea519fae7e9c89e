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
  ApiExcludeEndpoint,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { Clock } from '../common/clock/clock';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { errorBodySchema } from '../common/openapi/error-body.schema';
import { WEBHOOK_AUTHENTICATION, WEBHOOK_AUTHORIZATION } from '../common/openapi/security-schemes';
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
      'The token goes in `Authentication` (as Kommunicate sends it) or `Authorization`: ' +
      '`Basic <base64 of a WEBHOOK_TOKENS token>`. Checks run cheapest first: rate limit and ' +
      'token from the headers alone, then a declared Content-Length over BODY_LIMIT, then the ' +
      'body (size, content type, JSON, fields). 200 only after the message is committed; the ' +
      'listeners run after the answer. Any method other than POST gets 405 with `Allow: POST`.',
  })
  // Two requirements, either header will do (decorators apply bottom-up: Authentication first).
  @ApiSecurity(WEBHOOK_AUTHORIZATION)
  @ApiSecurity(WEBHOOK_AUTHENTICATION)
  @ApiResponse({
    status: 200,
    description: 'Committed: `accepted`, or `duplicate` for a key already stored.',
    schema: {
      type: 'object',
      required: ['status', 'key'],
      properties: {
        status: { type: 'string', enum: ['accepted', 'duplicate'] },
        key: { type: 'string' },
      },
    },
  })
  @ApiResponse({
    status: 400,
    description: `${ErrorCode.MalformedJson}: not JSON, not UTF-8, or empty. ${ErrorCode.InvalidPayload}: a field missing or wrong, one \`errors\` entry per field.`,
    schema: errorBodySchema(ErrorCode.MalformedJson, ErrorCode.InvalidPayload),
  })
  @ApiResponse({
    status: 401,
    description: `${ErrorCode.Unauthorized}: no token, or a wrong one.`,
    headers: {
      'WWW-Authenticate': { schema: { type: 'string', example: 'Basic realm="kommhook"' } },
    },
    schema: errorBodySchema(ErrorCode.Unauthorized),
  })
  @ApiResponse({
    status: 405,
    description: `${ErrorCode.WebhookMethodNotAllowed}: a method other than POST on the webhook path.`,
    headers: { Allow: { schema: { type: 'string', example: 'POST' } } },
    schema: errorBodySchema(ErrorCode.WebhookMethodNotAllowed),
  })
  @ApiResponse({
    status: 413,
    description: `${ErrorCode.PayloadTooLarge}: the body (or its declared Content-Length) is over BODY_LIMIT.`,
    schema: errorBodySchema(ErrorCode.PayloadTooLarge),
  })
  @ApiResponse({
    status: 415,
    description: `${ErrorCode.UnsupportedMediaType}: the content type is not application/json.`,
    schema: errorBodySchema(ErrorCode.UnsupportedMediaType),
  })
  @ApiResponse({
    status: 429,
    description: `${ErrorCode.RateLimited}: more than RATE_LIMIT_PER_MINUTE requests from this client.`,
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds' } },
    schema: errorBodySchema(ErrorCode.RateLimited),
  })
  @ApiResponse({
    status: 503,
    description: `${ErrorCode.StoreUnavailable}: the store could not commit; nothing was stored, retry.`,
    schema: errorBodySchema(ErrorCode.StoreUnavailable),
  })
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
