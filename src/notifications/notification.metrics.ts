import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Metrics } from '../metrics/metrics';

/** The notifications' own series. */
@Injectable()
export class NotificationMetrics {
  readonly attempts: Counter<'channel' | 'outcome'>;

  constructor(metrics: Metrics) {
    this.attempts = new Counter({
      name: 'kommhook_notifications_total',
      help: 'Notification attempts by channel and outcome (sent, failed, rejected, throttled).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [metrics.registry],
    });
  }
}
