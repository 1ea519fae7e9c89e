import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/all-config';
import { Database } from './database';
import { DeliveryStore } from './delivery-store';
import { MessageStore } from './message-store';
import { SqlDeliveryStore } from './sql/sql-delivery-store';
import { SqliteMessageStore } from './sqlite/sqlite-message-store';

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        Database.openSqlite(config.get('storage', { infer: true }).sqliteFile),
    },
    { provide: MessageStore, useClass: SqliteMessageStore },
    { provide: DeliveryStore, useClass: SqlDeliveryStore },
  ],
  exports: [Database, MessageStore, DeliveryStore],
})
export class StorageModule {}
