import { WEEKDAYS, type Weekday } from './weekly-window';

/** One weekly opening: on these days, from `from` to `to` (minutes of the local day). */
export interface OpeningWindow {
  readonly days: readonly Weekday[];
  /** Minutes after local midnight, inclusive. */
  readonly from: number;
  /** Minutes after local midnight, exclusive (1440 = midnight); at or before `from`: runs past midnight. */
  readonly to: number;
}

/** A business-hours clock: weekly openings in a time zone, minus holidays. */
export interface BusinessHours {
  readonly timeZone: string;
  readonly windows: readonly OpeningWindow[];
  /** Local dates (`YYYY-MM-DD`): an opening that starts on one of them does not count. */
  readonly holidays: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const DAY_NAMES: Record<string, Weekday> = Object.fromEntries(
  WEEKDAYS.map((day) => [day, day] as const),
);
const WINDOW = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/**
 * `Mon-Fri 09:00-17:00`, several separated by `;` (`Mon-Fri 09:00-17:00; Sat 10:00-14:00`);
 * a range of days may wrap (`Sat-Sun`, `Fri-Mon`). Null when the text is not such a list.
 */
export function parseOpeningWindows(text: string): OpeningWindow[] | null {
  const windows: OpeningWindow[] = [];
  for (const part of text.split(';')) {
    const match = WINDOW.exec(part.trim().toLowerCase());
    if (!match) return null;
    const first = DAY_NAMES[match[1]];
    const last = DAY_NAMES[match[2] ?? match[1]];
    const [fromH, fromM, toH, toM] = match.slice(3).map(Number);
    if (!first || !last || fromH > 23 || fromM > 59 || toM > 59 || toH * 60 + toM > 1440) {
      return null;
    }
    const from = fromH * 60 + fromM;
    const to = toH * 60 + toM;
    if (from === to) return null;
    const days: Weekday[] = [];
    for (let i = WEEKDAYS.indexOf(first); ; i = (i + 1) % 7) {
      days.push(WEEKDAYS[i]);
      if (WEEKDAYS[i] === last) break;
    }
    windows.push({ days, from, to });
  }
  return windows;
}

const HOLIDAY = /^\d{4}-\d{2}-\d{2}$/;

/** `2026-12-24,2026-12-25` → the dates; null if one is not a real date. */
export function parseHolidays(text: string): string[] | null {
  const dates = text
    .split(',')
    .map((date) => date.trim())
    .filter((date) => date.length > 0);
  const valid = dates.every(
    (date) => HOLIDAY.test(date) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date),
  );
  return valid ? dates : null;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of an instant in a zone: date, weekday (0 = Sunday), hour and minute. */
export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export function localTime(instantMs: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of partFormatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = parts;
  return {
    year,
    month,
    day,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
    hour,
    minute,
    second,
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(instantMs: number, timeZone: string): number {
  const t = localTime(instantMs, timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return wall - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time (a local date's midnight in UTC terms plus
 * minutes) happens in the zone. Across a DST change the offset is taken
 * where the time falls; a time skipped by the change lands beside the gap.
 */
export function instantOf(localMidnight: number, minutes: number, timeZone: string): number {
  const naive = localMidnight + minutes * MINUTE_MS;
  const guess = naive - offsetAt(naive, timeZone);
  return naive - offsetAt(guess, timeZone);
}

/**
 * Business time between two instants, in ms: the parts of `[startMs, endMs)`
 * inside an opening window in the zone, leaving out openings that start on a
 * holiday. 0 when `endMs <= startMs`.
 */
export function businessMs(startMs: number, endMs: number, hours: BusinessHours): number {
  if (endMs <= startMs) return 0;
  const first = localTime(startMs, hours.timeZone);
  const last = localTime(endMs, hours.timeZone);
  // From the local day before the start: a window past midnight may have opened then.
  let midnight = Date.UTC(first.year, first.month - 1, first.day) - DAY_MS;
  const lastMidnight = Date.UTC(last.year, last.month - 1, last.day);
  let total = 0;
  for (; midnight <= lastMidnight; midnight += DAY_MS) {
    const date = new Date(midnight);
    if (hours.holidays.has(date.toISOString().slice(0, 10))) continue;
    const weekday = WEEKDAYS[date.getUTCDay()];
    for (const window of hours.windows) {
      if (!window.days.includes(weekday)) continue;
      const opens = instantOf(midnight, window.from, hours.timeZone);
      const closes = instantOf(
        midnight,
        window.to <= window.from ? window.to + 1440 : window.to,
        hours.timeZone,
      );
      total += Math.max(0, Math.min(closes, endMs) - Math.max(opens, startMs));
    }
  }
  return total;
}
