import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { Metrics } from './metrics';
import { MetricsController, metricsProviders } from './metrics.controller';

/** Prometheus at /metrics; `Metrics` is global so any module can record. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, ...metricsProviders],
  exports: [Metrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*splat}');
  }
}
