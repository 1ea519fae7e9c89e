import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Metrics } from '../metrics/metrics';
import { DeliveryStore } from './delivery-store';

/** The delivery machinery's series; the backlog is read from the store at scrape time. */
@Injectable()
export class DeliveryMetrics {
  readonly eventsEmitted: Counter<'event'>;
  readonly listenerDuration: Histogram<'listener' | 'outcome'>;

  constructor(metrics: Metrics, deliveries: DeliveryStore) {
    const registers = [metrics.registry];
    this.eventsEmitted = new Counter({
      name: 'kommhook_events_emitted_total',
      help: 'Domain events emitted after a commit, by event name.',
      labelNames: ['event'] as const,
      registers,
    });
    this.listenerDuration = new Histogram({
      name: 'kommhook_listener_duration_seconds',
      help: 'Durable listener attempts by listener and outcome (done, failed, dead).',
      labelNames: ['listener', 'outcome'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    });
    new Gauge({
      name: 'kommhook_deliveries',
      help: 'Deliveries not done, by status.',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const { byStatus } = await deliveries.backlog();
        for (const [status, count] of Object.entries(byStatus)) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'kommhook_oldest_pending_delivery_age_seconds',
      help: 'Age of the oldest delivery not yet done or dead; 0 when there is none.',
      registers,
      async collect() {
        const { oldestUnfinishedAt } = await deliveries.backlog();
        this.set(oldestUnfinishedAt === null ? 0 : (Date.now() - oldestUnfinishedAt) / 1000);
      },
    });
  }
}
