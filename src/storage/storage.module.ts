import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/all-config';
import { Database } from './database';
import { DeliveryStore } from './delivery-store';
import { MessageStore } from './message-store';
import { SqlDeliveryStore } from './sql/sql-delivery-store';
import { openSqlite } from './sqlite/open-sqlite';
import { SqliteMessageStore } from './sqlite/sqlite-message-store';

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const storage = config.get('storage', { infer: true });
        return openSqlite(storage.sqliteFile, { busyTimeoutMs: storage.busyTimeoutMs });
      },
    },
    { provide: MessageStore, useClass: SqliteMessageStore },
    { provide: DeliveryStore, useClass: SqlDeliveryStore },
  ],
  exports: [Database, MessageStore, DeliveryStore],
})
export class StorageModule {}
