import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './retry-schedule';

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
