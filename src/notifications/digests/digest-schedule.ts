import { instantOf, localTime } from '../../common/time/business-hours';
import { WEEKDAYS, type Weekday } from '../../common/time/weekly-window';

const DAY_MS = 86_400_000;

/** When a digest is sent: every day, or on one weekday, at a local time in a zone. */
export interface DigestSchedule {
  readonly every: 'daily' | 'weekly';
  /** Minutes after local midnight. */
  readonly at: number;
  /** Weekly only. */
  readonly day?: Weekday;
  readonly timeZone: string;
}

/** `[start, end)`, epoch ms. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** One digest: the range it reports on, the range it compares with, and when it is due. */
export interface DigestPeriod extends Range {
  readonly dueAt: number;
  readonly previous: Range;
  /** The range's local dates, `YYYY-MM-DD`: first and last day (the same for a daily digest). */
  readonly firstDay: string;
  readonly lastDay: string;
}

/** A local date as the UTC midnight of the same calendar date: days are added as 86 400 000 ms. */
const dateOf = (instant: number, timeZone: string): number => {
  const local = localTime(instant, timeZone);
  return Date.UTC(local.year, local.month - 1, local.day);
};
const isoDate = (date: number): string => new Date(date).toISOString().slice(0, 10);

/**
 * The most recent digest due at `now`. A daily digest sent on local date D
 * covers the local day before D; a weekly one sent on D covers the seven
 * local days before D. Days are local calendar days, so across a DST change
 * a day lasts 23 or 25 hours. A daily digest compares with the same weekday
 * a week earlier (support traffic follows the week: Monday against Sunday
 * says little), a weekly one with the week before.
 */
export function latestDuePeriod(schedule: DigestSchedule, now: number): DigestPeriod {
  let date = dateOf(now, schedule.timeZone);
  const dueOn = (day: number): number => instantOf(day, schedule.at, schedule.timeZone);
  if (schedule.every === 'weekly') {
    const weekday = WEEKDAYS.indexOf(schedule.day ?? 'mon');
    date -= ((new Date(date).getUTCDay() - weekday + 7) % 7) * DAY_MS;
    if (dueOn(date) > now) date -= 7 * DAY_MS;
  } else if (dueOn(date) > now) {
    date -= DAY_MS;
  }
  return periodSentOn(schedule, date);
}

/** The period whose range ends at `end` (a local midnight): to retry a digest of an earlier period. */
export function periodEndingAt(schedule: DigestSchedule, end: number): DigestPeriod {
  // A midnight a DST change skips lands beside the gap: half a day later is surely that date.
  return periodSentOn(schedule, dateOf(end + DAY_MS / 2, schedule.timeZone));
}

/** The period of the digest sent on local date `date` (as UTC midnight). */
function periodSentOn(schedule: DigestSchedule, date: number): DigestPeriod {
  const { timeZone } = schedule;
  const midnight = (day: number): number => instantOf(day, 0, timeZone);
  const days = schedule.every === 'weekly' ? 7 : 1;
  const first = date - days * DAY_MS;
  return {
    start: midnight(first),
    end: midnight(date),
    dueAt: instantOf(date, schedule.at, timeZone),
    // The same local days a week earlier.
    previous: { start: midnight(first - 7 * DAY_MS), end: midnight(date - 7 * DAY_MS) },
    firstDay: isoDate(first),
    lastDay: isoDate(date - DAY_MS),
  };
}
