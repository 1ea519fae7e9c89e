const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The report's buckets: each holds times from its lower bound (inclusive) to the next one. */
export const BUCKETS = [
  { label: '0-1m', from: 0 },
  { label: '1-5m', from: MINUTE },
  { label: '5-15m', from: 5 * MINUTE },
  { label: '15-60m', from: 15 * MINUTE },
  { label: '1-4h', from: HOUR },
  { label: '4-24h', from: 4 * HOUR },
  { label: '24h+', from: 24 * HOUR },
] as const;

export interface Figures {
  count: number;
  /** Milliseconds, rounded; null without samples. */
  medianMs: number | null;
  p90Ms: number | null;
  meanMs: number | null;
}

export interface Distribution extends Figures {
  buckets: { label: string; count: number }[];
}

/**
 * The p-th percentile (0-1) of sorted samples, interpolated linearly between
 * the two closest ranks (numpy's default): the median of 1, 2, 3, 4 is 2.5.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
}

export function figuresOf(samples: readonly number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value: number | null) => (value === null ? null : Math.round(value));
  return {
    count: sorted.length,
    medianMs: round(percentile(sorted, 0.5)),
    p90Ms: round(percentile(sorted, 0.9)),
    meanMs:
      sorted.length === 0
        ? null
        : Math.round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}

export function distributionOf(samples: readonly number[]): Distribution {
  const counts = BUCKETS.map(() => 0);
  for (const sample of samples) {
    let index = BUCKETS.length - 1;
    while (index > 0 && sample < BUCKETS[index].from) index -= 1;
    counts[index] += 1;
  }
  return {
    ...figuresOf(samples),
    buckets: BUCKETS.map((bucket, index) => ({ label: bucket.label, count: counts[index] })),
  };
}
