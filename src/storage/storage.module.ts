import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Migration } from 'kysely';
import type { AllConfig } from '../config/all-config';
import { Database } from './database';
import { openPostgres } from './postgres/open-postgres';
import { openSqlite } from './sqlite/open-sqlite';

export interface StorageOptions {
  /** Every module's migrations: each module keeps its tables, the store runs them all. */
  readonly migrations: readonly Readonly<Record<string, Migration>>[];
}

/** The Database, SQLite or PostgreSQL as DATABASE_URL says, global for every module's store. */
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
          // DATABASE_URL chooses the adapter; nothing else in the service knows which it is.
          useFactory: (config: ConfigService<AllConfig, true>) => {
            const { location, busyTimeoutMs } = config.get('storage', { infer: true });
            const { migrations } = options;
            return location.kind === 'postgres'
              ? openPostgres({ ...location, busyTimeoutMs, migrations })
              : openSqlite(location.file, { busyTimeoutMs, migrations });
          },
        },
      ],
      exports: [Database],
    };
  }
}
