export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklyWindow {
  readonly timeZone: string;
  readonly days: readonly Weekday[];
  /** `HH:MM`, inclusive. */
  readonly from: string;
  /** `HH:MM`, exclusive; earlier than `from` means the window runs past midnight. */
  readonly to: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a time zone the runtime does not know. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The weekday and `HH:MM` of an instant, as a wall clock in that zone shows them. */
export function wallClock(at: Date, timeZone: string): { day: Weekday; time: string } {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    day: (parts.weekday ?? '').toLowerCase().slice(0, 3) as Weekday,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/**
 * Whether an instant falls in the window. For a window past midnight
 * (22:00-06:00) the day is the one it started on: Friday 22:00-06:00 covers
 * Saturday 03:00, which is therefore checked against Friday.
 */
export function isInside(at: Date, window: WeeklyWindow): boolean {
  const { day, time } = wallClock(at, window.timeZone);
  if (window.from <= window.to) {
    return window.days.includes(day) && time >= window.from && time < window.to;
  }
  if (time >= window.from) return window.days.includes(day);
  if (time < window.to) return window.days.includes(previousDay(day));
  return false;
}

const previousDay = (day: Weekday): Weekday => WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];
