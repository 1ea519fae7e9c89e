import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MessageBodyParser } from './body/message-body-parser';
import { BasicTokenGuard } from './guards/basic-token.guard';
import { RateLimitGuard } from './guards/rate-limit.guard';
import { WebhookController } from './webhook.controller';
import { WebhookService } from './webhook.service';

@Module({
  imports: [DeliveryModule],
  controllers: [WebhookController],
  providers: [WebhookService, BasicTokenGuard, RateLimitGuard, MessageBodyParser],
})
export class WebhookModule {}
