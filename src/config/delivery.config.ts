import { registerAs } from '@nestjs/config';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './retry-schedule';
import { validateEnvironment } from './environment';

export const deliveryConfig = registerAs('delivery', () => {
  const env = validateEnvironment(process.env);
  return {
    /** Waits between attempts; after the last one fails, the delivery is dead. */
    retryScheduleMs: parseRetrySchedule(env.RETRY_SCHEDULE ?? DEFAULT_RETRY_SCHEDULE)!,
    /** Attempts of one listener running at once, per instance. */
    concurrency: env.DELIVERY_CONCURRENCY ?? 8,
    /** How long a running delivery is ours before another run may take it over. */
    leaseMs: env.DELIVERY_LEASE_MS ?? 300_000,
    /** How often retries and expired leases are looked for. */
    pollMs: env.DELIVERY_POLL_MS ?? 1000,
  };
});
