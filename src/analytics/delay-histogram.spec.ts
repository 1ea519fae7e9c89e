import {
  DELAY_BOUNDS_MS,
  DELAY_OVERFLOW_MS,
  delayBucket,
  delayPercentiles,
} from './delay-histogram';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Bucket counts as the store keeps them for these delays. */
function histogram(delays: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const delay of delays) {
    const bucket = delayBucket(delay);
    if (bucket !== null) counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return counts;
}

describe('delayBucket', () => {
  it('puts a delay in the first bucket whose upper bound holds it', () => {
    expect(delayBucket(0)).toBe(50);
    expect(delayBucket(50)).toBe(50);
    expect(delayBucket(51)).toBe(100);
    expect(delayBucket(2_000)).toBe(2_500);
    expect(delayBucket(HOUR)).toBe(HOUR);
  });

  it('counts a stamp up to a day ahead (clock skew) as no delay', () => {
    expect(delayBucket(-1)).toBe(50);
    expect(delayBucket(-5 * 60_000)).toBe(50);
    expect(delayBucket(-DAY)).toBe(50);
  });

  it('puts over an hour, up to a day, in the last bucket', () => {
    expect(DELAY_OVERFLOW_MS).toBe(DAY);
    expect(delayBucket(HOUR + 1)).toBe(DAY);
    expect(delayBucket(DAY)).toBe(DAY);
  });

  it('does not count a time stamp more than a day off, either way', () => {
    expect(delayBucket(DAY + 1)).toBeNull();
    expect(delayBucket(-DAY - 1)).toBeNull();
    // Kommunicate's sample payloads from 2016, received in 2026.
    expect(delayBucket(Date.parse('2026-11-22T09:00:00Z') - 1_457_958_424_000)).toBeNull();
  });
});

describe('delayPercentiles', () => {
  it('is null without anything to measure', () => {
    expect(delayPercentiles(new Map())).toEqual({ p50: null, p95: null });
    expect(delayPercentiles(histogram([3 * DAY, 400 * DAY, -2 * DAY]))).toEqual({
      p50: null,
      p95: null,
    });
  });

  it('interpolates inside the bucket that holds the percentile', () => {
    // Buckets ≤100, ≤500, ≤1000, ≤2500, ≤60000: the median is halfway into (500, 1000],
    // p95 three quarters into (30000, 60000].
    expect(delayPercentiles(histogram([100, 300, 800, 2_000, 40_000]))).toEqual({
      p50: 750,
      p95: 52_500,
    });
  });

  it('leaves out what is not counted, however much of it there is', () => {
    const years = Array.from({ length: 99 }, () => 10 * 365 * DAY);
    // One 2 s delay: both percentiles lie inside (1000, 2500].
    expect(delayPercentiles(histogram([...years, 2_000]))).toEqual({ p50: 1_750, p95: 2_425 });
  });

  it('stays within the last bucket, a day at most, for delays over an hour', () => {
    const { p50, p95 } = delayPercentiles(histogram([2 * HOUR, 3 * HOUR, 20 * HOUR]));
    for (const value of [p50, p95]) {
      expect(value).toBeGreaterThan(DELAY_BOUNDS_MS[DELAY_BOUNDS_MS.length - 1]);
      expect(value).toBeLessThanOrEqual(DAY);
    }
  });
});
