import { retryDelay } from './retry-schedule';

describe('retryDelay', () => {
  const schedule = [1_000, 10_000];

  it('spreads each wait by at most 20% either way', () => {
    expect(retryDelay(schedule, 1, () => 0)).toBe(800);
    expect(retryDelay(schedule, 1, () => 0.5)).toBe(1_000);
    expect(retryDelay(schedule, 1, () => 0.999_999)).toBe(1_200);
    expect(retryDelay(schedule, 2, () => 0)).toBe(8_000);
  });

  it('answers null once the schedule is used up', () => {
    expect(retryDelay(schedule, 3)).toBeNull();
  });
});
