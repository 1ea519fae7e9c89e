import { addBusinessMs } from './business-deadline';
import { parseOpeningWindows, type BusinessHours } from './business-hours';

const HOURS: BusinessHours = {
  timeZone: 'Europe/Berlin',
  windows: parseOpeningWindows('Mon-Fri 09:00-17:00')!,
  holidays: new Set(['2026-12-25']),
};
const at = (iso: string): number => new Date(iso).getTime();
const MINUTE = 60_000;

describe('addBusinessMs', () => {
  it('adds within an opening as the wall clock does', () => {
    // Wednesday 10:00 in Berlin (UTC+1 in November).
    expect(addBusinessMs(at('2026-11-25T09:00:00Z'), 15 * MINUTE, HOURS)).toBe(
      at('2026-11-25T09:15:00Z'),
    );
  });

  it('holds what is left at the close to the next opening, over the weekend', () => {
    // Friday 16:50 + 15 min: 10 min today, 5 min from Monday 09:00.
    expect(addBusinessMs(at('2026-11-27T15:50:00Z'), 15 * MINUTE, HOURS)).toBe(
      at('2026-11-30T08:05:00Z'),
    );
  });

  it('starts counting at the opening when it starts outside, to the second', () => {
    // Monday 08:59:58 + 2 s: 09:00:02.
    expect(addBusinessMs(at('2026-11-30T07:59:58Z'), 2000, HOURS)).toBe(at('2026-11-30T08:00:02Z'));
  });

  it('skips holidays, and gives up on hours that never open', () => {
    // Thursday 2026-12-24 16:59 + 2 min: Friday is a holiday, so Monday 09:01.
    expect(addBusinessMs(at('2026-12-24T15:59:00Z'), 2 * MINUTE, HOURS)).toBe(
      at('2026-12-28T08:01:00Z'),
    );
    const never = { ...HOURS, windows: [] };
    expect(addBusinessMs(at('2026-11-25T09:00:00Z'), MINUTE, never)).toBeNull();
  });
});
