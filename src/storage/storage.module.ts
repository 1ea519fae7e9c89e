import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Migration } from 'kysely';
import type { AllConfig } from '../config/all-config';
import { Database } from './database';
import { openSqlite } from './sqlite/open-sqlite';

export interface StorageOptions {
  /** Every module's migrations: each module keeps its tables, the store runs them all. */
  readonly migrations: readonly Readonly<Record<string, Migration>>[];
}

/** The Database, opened as DATABASE_URL says, global for every module's store. */
@Global()
@Module({})
export class StorageModule {
  static forRoot(options: StorageOptions): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        {
          provide: Database,
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>) => {
            const storage = config.get('storage', { infer: true });
            return openSqlite(storage.sqliteFile, {
              busyTimeoutMs: storage.busyTimeoutMs,
              migrations: options.migrations,
            });
          },
        },
      ],
      exports: [Database],
    };
  }
}
