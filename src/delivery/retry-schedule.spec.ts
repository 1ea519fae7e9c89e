import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule, retryDelay } from './retry-schedule';

describe('parseRetrySchedule', () => {
  it('reads the default schedule', () => {
    expect(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
    ]);
  });

  it('reads every unit, with spaces around the steps', () => {
    expect(parseRetrySchedule(' 250ms, 2s ,3m,1h')).toEqual([250, 2_000, 180_000, 3_600_000]);
  });

  it.each(['', '5', '5x', '5s,', '-5s', '0s', '1.5s', 'soon'])('rejects %p', (text) => {
    expect(parseRetrySchedule(text)).toBeNull();
  });
});

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
