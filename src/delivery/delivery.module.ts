import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryPoller } from './delivery-poller';
import { DeliveryService } from './delivery.service';
import { ListenerRegistry } from './listener-registry';

/** The durable listener machinery: discovery, dispatch, retries, recovery, replay. */
@Module({
  imports: [DiscoveryModule],
  providers: [ListenerRegistry, DeliveryDispatcher, DeliveryPoller, DeliveryService],
  exports: [DeliveryDispatcher, DeliveryService, ListenerRegistry],
})
export class DeliveryModule {}
