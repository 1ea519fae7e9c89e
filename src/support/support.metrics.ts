import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { Metrics } from '../metrics/metrics';
import type { FreshResponse } from './support-store';

/** The report's bucket bounds (1 m to 24 h) and a few finer ones below a minute, in seconds. */
const BUCKETS = [10, 30, 60, 300, 900, 3600, 14_400, 86_400];

/** Support's own series: each response time once, when it is first computed. */
@Injectable()
export class SupportMetrics {
  private readonly firstResponse: Histogram<'clock'>;
  private readonly reply: Histogram<'clock'>;

  constructor(metrics: Metrics) {
    this.firstResponse = new Histogram({
      name: 'kommhook_support_first_response_seconds',
      help: "First response time per session: the first agent reply minus the session's first customer message.",
      labelNames: ['clock'] as const,
      buckets: BUCKETS,
      registers: [metrics.registry],
    });
    this.reply = new Histogram({
      name: 'kommhook_support_reply_seconds',
      help: "Reply time: an agent reply minus the start of the customer's wait.",
      labelNames: ['clock'] as const,
      buckets: BUCKETS,
      registers: [metrics.registry],
    });
  }

  observe(responses: readonly FreshResponse[]): void {
    for (const response of responses) {
      const histogram = response.kind === 'first-response' ? this.firstResponse : this.reply;
      histogram.observe({ clock: 'wall' }, response.ms / 1000);
      histogram.observe({ clock: 'business' }, response.businessMs / 1000);
    }
  }
}
