import { BusinessHours, businessMs } from './business-hours';

const DAY_MS = 86_400_000;
/** A year and a bit: long enough for any holidays, short enough to stop on hours that never open. */
const HORIZON_DAYS = 400;

/**
 * The instant `ms` of business time after `startMs`: time outside the
 * openings does not count, so a deadline that falls outside them lands
 * that much after the next opening. Null when the hours never open again.
 */
export function addBusinessMs(startMs: number, ms: number, hours: BusinessHours): number | null {
  if (ms <= 0) return startMs;
  // Day by day to the day the deadline falls in, then to the millisecond within it.
  let from = startMs;
  let left = ms;
  for (let day = 0; day < HORIZON_DAYS; day += 1) {
    const inDay = businessMs(from, from + DAY_MS, hours);
    if (inDay >= left) return from + searchWithin(from, left, hours);
    left -= inDay;
    from += DAY_MS;
  }
  return null;
}

/** The least offset in (0, one day] whose business time from `from` reaches `target`. */
function searchWithin(from: number, target: number, hours: BusinessHours): number {
  let low = 0;
  let high = DAY_MS;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (businessMs(from, from + middle, hours) >= target) high = middle;
    else low = middle;
  }
  return high;
}
