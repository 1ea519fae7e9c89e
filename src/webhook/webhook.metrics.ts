import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Metrics } from '../metrics/metrics';

/** The webhook's own series. */
@Injectable()
export class WebhookMetrics {
  readonly outcomes: Counter<'outcome' | 'code'>;

  constructor(metrics: Metrics) {
    this.outcomes = new Counter({
      name: 'kommhook_webhook_requests_total',
      help: 'Webhook deliveries by outcome (accepted, duplicate, rejected) and error code.',
      labelNames: ['outcome', 'code'] as const,
      registers: [metrics.registry],
    });
  }
}
