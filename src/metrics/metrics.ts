import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DeliveryStore } from '../storage/delivery-store';

/**
 * Every Prometheus series of the service, on its own registry (not the
 * global one, so that several apps in one test process don't collide).
 * Modules record through the named instruments; the delivery backlog is
 * read from the store at scrape time.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'kommhook_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly webhookOutcomes = new Counter({
    name: 'kommhook_webhook_requests_total',
    help: 'Webhook deliveries by outcome (accepted, duplicate, rejected) and error code.',
    labelNames: ['outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly eventsEmitted = new Counter({
    name: 'kommhook_events_emitted_total',
    help: 'Domain events emitted after a commit, by event name.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly listenerDuration = new Histogram({
    name: 'kommhook_listener_duration_seconds',
    help: 'Durable listener attempts by listener and outcome (done, failed, dead).',
    labelNames: ['listener', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers: [this.registry],
  });

  readonly notifications = new Counter({
    name: 'kommhook_notifications_total',
    help: 'Notification attempts by channel and outcome (sent, failed, rejected, throttled).',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(deliveries: DeliveryStore) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kommhook_' });
    new Gauge({
      name: 'kommhook_deliveries',
      help: 'Deliveries not done, by status.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const { byStatus } = await deliveries.backlog();
        for (const [status, count] of Object.entries(byStatus)) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'kommhook_oldest_pending_delivery_age_seconds',
      help: 'Age of the oldest delivery not yet done or dead; 0 when there is none.',
      registers: [this.registry],
      async collect() {
        const { oldestUnfinishedAt } = await deliveries.backlog();
        this.set(oldestUnfinishedAt === null ? 0 : (Date.now() - oldestUnfinishedAt) / 1000);
      },
    });
  }
}
