import { Module } from '@nestjs/common';
import { InboxModule } from '../inbox/inbox.module';
import { DeliveryStore } from './delivery-store';
import { DurableListeners } from './durable-listeners';
import { DeliveryMetrics } from './delivery.metrics';
import { PostgresDeliveryStore, SqlDeliveryStore } from './sql-delivery-store';
import { Database } from '../storage/database';
import { DiscoveryModule } from '@nestjs/core';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryPoller } from './delivery-poller';
import { DeliveryService } from './delivery.service';
import { ListenerRegistry } from './listener-registry';

/** The durable listener machinery: discovery, dispatch, retries, recovery, replay. */
@Module({
  imports: [DiscoveryModule, InboxModule],
  providers: [
    {
      provide: DeliveryStore,
      inject: [Database],
      useFactory: (db: Database) =>
        db.dialect.name === 'postgres' ? new PostgresDeliveryStore(db) : new SqlDeliveryStore(db),
    },
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
