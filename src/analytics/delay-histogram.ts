import type { AnalyticsDelayColumns } from './analytics.tables';
import type { DelayPercentiles } from './analytics-store';

/**
 * Upper bounds (ms) of the webhook-delay histogram. Fixed, so hours add up
 * bucket by bucket; the last bucket, over an hour, ends at DELAY_OVERFLOW_MS.
 */
export const DELAY_BOUNDS_MS = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000,
] as const;

/**
 * A day. A time stamp further off than this, either way, measures no webhook
 * delay (a message replayed or imported long after, a clock set wrong): it is
 * not counted, so every bucket, the last included, has a real upper bound.
 */
export const DELAY_OVERFLOW_MS = 86_400_000;

export type DelayColumn = keyof AnalyticsDelayColumns;

/** Where each bucket is counted: `delay_le_<upper bound>`, the overflow bucket last. */
export const DELAY_COLUMNS = [...DELAY_BOUNDS_MS, DELAY_OVERFLOW_MS].map(
  (bound) => [bound, `delay_le_${bound}` as DelayColumn] as const,
);

/**
 * The bucket a delay falls in; small negative delays (clock skew) count as 0;
 * null when the delay is more than a day either way and is not counted.
 */
export function delayBucket(delayMs: number): number | null {
  if (Math.abs(delayMs) > DELAY_OVERFLOW_MS) return null;
  const delay = Math.max(0, delayMs);
  return DELAY_BOUNDS_MS.find((bound) => delay <= bound) ?? DELAY_OVERFLOW_MS;
}

/**
 * p50 and p95 from bucket counts, interpolated linearly inside the bucket
 * that holds the percentile; null when there is nothing to measure.
 */
export function delayPercentiles(counts: ReadonlyMap<number, number>): DelayPercentiles {
  const bounds = [...counts.keys()].sort((a, b) => a - b);
  const total = bounds.reduce((sum, bound) => sum + (counts.get(bound) ?? 0), 0);
  if (total === 0) return { p50: null, p95: null };
  const at = (quantile: number): number => {
    const rank = quantile * total;
    let seen = 0;
    let lower = 0;
    for (const bound of [...DELAY_BOUNDS_MS, DELAY_OVERFLOW_MS]) {
      const count = counts.get(bound) ?? 0;
      if (count > 0 && seen + count >= rank) {
        return Math.round(lower + ((rank - seen) / count) * (bound - lower));
      }
      seen += count;
      lower = bound;
    }
    return lower;
  };
  return { p50: at(0.5), p95: at(0.95) };
}
