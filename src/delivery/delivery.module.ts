import { Module } from '@nestjs/common';
import { InboxModule } from '../inbox/inbox.module';
import { DeliveryStore } from './delivery-store';
import { DurableListeners } from './durable-listeners';
import { DeliveryMetrics } from './delivery.metrics';
import { SqlDeliveryStore } from './sql-delivery-store';
import { DiscoveryModule } from '@nestjs/core';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryPoller } from './delivery-poller';
import { DeliveryService } from './delivery.service';
import { ListenerRegistry } from './listener-registry';

/** The durable listener machinery: discovery, dispatch, retries, recovery, replay. */
@Module({
  imports: [DiscoveryModule, InboxModule],
  providers: [
    { provide: DeliveryStore, useClass: SqlDeliveryStore },
    DeliveryMetrics,
    ListenerRegistry,
    DeliveryDispatcher,
    DeliveryPoller,
    DeliveryService,
    DurableListeners,
  ],
  exports: [DeliveryDispatcher, DeliveryService, DurableListeners],
})
export class DeliveryModule {}
