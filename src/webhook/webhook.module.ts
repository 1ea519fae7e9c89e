import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery';
import { InboxModule } from '../inbox/inbox.module';
import { MessageBodyParser } from './body/message-body-parser';
import { RateLimiter } from './checks/rate-limiter';
import { WebhookTokens } from './checks/webhook-tokens';
import { WebhookEndpoint } from './webhook.endpoint';
import { WebhookMetrics } from './webhook.metrics';
import { WebhookService } from './webhook.service';

/** Receiving: WebhookEndpoint serves WEBHOOK_PATH; configureApp mounts it ahead of the router. */
@Module({
  imports: [InboxModule, DeliveryModule],
  providers: [
    WebhookEndpoint,
    WebhookService,
    WebhookMetrics,
    WebhookTokens,
    RateLimiter,
    MessageBodyParser,
  ],
  exports: [WebhookEndpoint],
})
export class WebhookModule {}
