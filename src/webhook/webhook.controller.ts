import { Body, Controller, HttpCode, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { JsonBodyInterceptor, type RequestWithRawText } from './body/json-body.interceptor';
import { KommunicateMessageDto } from './dto/kommunicate-message.dto';
import { toReceivedMessage } from './dto/to-received-message';
import { BasicTokenGuard } from './guards/basic-token.guard';
import { RateLimitGuard } from './guards/rate-limit.guard';
import { AcceptOutcome, WebhookService } from './webhook.service';

/** Thin: the guards, interceptor and pipe have judged the request; the service decides. */
@Controller()
@UseGuards(RateLimitGuard, BasicTokenGuard)
@UseInterceptors(JsonBodyInterceptor)
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  // The path is WEBHOOK_PATH: WebhookModule mounts this handler there.
  @Post()
  @HttpCode(200)
  receive(
    @Body() dto: KommunicateMessageDto,
    @Req() request: RequestWithRawText,
  ): Promise<AcceptOutcome> {
    return this.webhooks.accept(toReceivedMessage(dto, new Date()), request.rawText ?? '');
  }
}
