import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery';
import { InboxModule } from '../inbox/inbox.module';
import { DeliveriesController } from './deliveries.controller';
import { MessagesController } from './messages.controller';

/** The operator's API over stored messages and their deliveries. */
@Module({
  imports: [InboxModule, DeliveryModule],
  controllers: [MessagesController, DeliveriesController],
})
export class AdminModule {}
