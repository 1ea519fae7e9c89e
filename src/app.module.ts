import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AdminModule } from './admin/admin.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { APP_MIGRATIONS } from './app.schema';
import { ClockModule } from './common/clock/clock';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { configNamespaces } from './config/all-config';
import { validateEnvironment } from './config/environment';
import { DashboardModule } from './dashboard/dashboard.module';
import { DeliveryModule } from './delivery/delivery.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { StorageModule } from './storage/storage.module';
import { SupportModule } from './support/support.module';
import { WebhookModule } from './webhook/webhook.module';

export interface AppModuleOptions {
  /**
   * A dotenv file read into process.env before validation. Only the entry point
   * (main.ts) passes one; without it the app sees process.env alone, so tests
   * never pick up an operator's .env.
   */
  envFile?: string;
}

/** Composes the feature modules. `forRoot` because the webhook's path is configuration. */
@Module({})
export class AppModule {
  static async forRoot(options: AppModuleOptions = {}): Promise<DynamicModule> {
    // Validates the environment (and the env file, if any) before anything else is built.
    const configModule = await ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      ignoreEnvFile: options.envFile === undefined,
      envFilePath: options.envFile,
      load: configNamespaces,
      validate: (raw) => {
        validateEnvironment(raw);
        return raw;
      },
    });
    return {
      module: AppModule,
      imports: [
        configModule,
        LoggingModule,
        ClockModule,
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true }),
        StorageModule.forRoot({ migrations: APP_MIGRATIONS }),
        MetricsModule,
        DeliveryModule,
        WebhookModule,
        AnalyticsModule,
        NotificationsModule,
        SupportModule,
        HealthModule,
        AdminModule,
        DashboardModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
