import {
  BusinessHours,
  businessMs,
  localTime,
  parseHolidays,
  parseOpeningWindows,
} from './business-hours';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

const hours = (spec: string, timeZone: string, holidays: string[] = []): BusinessHours => ({
  timeZone,
  windows: parseOpeningWindows(spec)!,
  holidays: new Set(holidays),
});

describe('business hours', () => {
  it('reads weekly openings, several per week, ranges of days wrapping past Saturday', () => {
    expect(parseOpeningWindows('Mon-Fri 09:00-17:00')).toEqual([
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: 540, to: 1020 },
    ]);
    expect(parseOpeningWindows('Fri-Mon 22:00-06:00; sat 10:00-24:00')).toEqual([
      { days: ['fri', 'sat', 'sun', 'mon'], from: 1320, to: 360 },
      { days: ['sat'], from: 600, to: 1440 },
    ]);
    for (const bad of [
      '',
      'Mon-Fri',
      'Mon-Fri 9:00-17:00',
      'Mon-Xyz 09:00-17:00',
      'Mon 10:00-10:00',
      'Mon 24:30-25:00',
    ]) {
      expect(parseOpeningWindows(bad)).toBeNull();
    }
    expect(parseHolidays('2026-12-24, 2026-12-25')).toEqual(['2026-12-24', '2026-12-25']);
    expect(parseHolidays('2026-02-30')).toBeNull();
  });

  it('counts only the open hours of the zone between two instants', () => {
    const berlin = hours('Mon-Fri 09:00-17:00', 'Europe/Berlin');
    // Fri 2026-11-20 16:00 Berlin to Mon 2026-11-23 10:00 Berlin: Friday's last hour, Monday's first.
    expect(businessMs(at('2026-11-20T15:00:00Z'), at('2026-11-23T09:00:00Z'), berlin)).toBe(
      2 * HOUR,
    );
    // Wholly inside one opening, and wholly outside (Saturday).
    expect(businessMs(at('2026-11-19T09:00:00Z'), at('2026-11-19T09:25:00Z'), berlin)).toBe(
      25 * 60_000,
    );
    expect(businessMs(at('2026-11-21T09:00:00Z'), at('2026-11-21T15:00:00Z'), berlin)).toBe(0);
    expect(businessMs(at('2026-11-21T09:00:00Z'), at('2026-11-21T08:00:00Z'), berlin)).toBe(0);
  });

  it('follows summer time: the day the clocks go back has 25 hours, 09:00 moves in UTC', () => {
    const sundays = hours('Sun 00:00-24:00', 'Europe/Berlin');
    // Sunday 2026-10-25 in Berlin runs from 22:00Z on Saturday to 23:00Z on Sunday.
    expect(businessMs(at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'), sundays)).toBe(
      25 * HOUR,
    );
    // Sunday 2026-03-29: 23 hours.
    expect(businessMs(at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z'), sundays)).toBe(
      23 * HOUR,
    );
    const berlin = hours('Mon-Fri 09:00-17:00', 'Europe/Berlin');
    // Fri 16:00 CEST (14:00Z) to Mon 09:30 CET (08:30Z): the opening is 08:00Z after the change.
    expect(businessMs(at('2026-10-23T14:00:00Z'), at('2026-10-26T08:30:00Z'), berlin)).toBe(
      1.5 * HOUR,
    );
  });

  it('leaves out the openings of a holiday', () => {
    const from = at('2026-12-23T15:00:00Z'); // Wed 16:00 Berlin
    const to = at('2026-12-25T09:00:00Z'); // Fri 10:00 Berlin
    expect(businessMs(from, to, hours('Mon-Fri 09:00-17:00', 'Europe/Berlin'))).toBe(10 * HOUR);
    expect(
      businessMs(from, to, hours('Mon-Fri 09:00-17:00', 'Europe/Berlin', ['2026-12-24'])),
    ).toBe(2 * HOUR);
  });

  it('counts a night shift past midnight on the day it opened', () => {
    const nights = hours('Mon-Fri 22:00-06:00', 'UTC');
    // Fri 23:00 to Sat 05:00: inside Friday's shift; Sat 23:00 to Sun 01:00: no Saturday shift.
    expect(businessMs(at('2026-11-20T23:00:00Z'), at('2026-11-21T05:00:00Z'), nights)).toBe(
      6 * HOUR,
    );
    expect(businessMs(at('2026-11-21T23:00:00Z'), at('2026-11-22T01:00:00Z'), nights)).toBe(0);
    // Thu 12:00 to Fri 12:00: Thursday's whole shift.
    expect(businessMs(at('2026-11-19T12:00:00Z'), at('2026-11-20T12:00:00Z'), nights)).toBe(
      8 * HOUR,
    );
  });

  it('tells the local weekday and hour', () => {
    expect(localTime(at('2026-11-25T23:30:00Z'), 'Asia/Kolkata')).toMatchObject({
      weekday: 4, // Thursday, 05:00
      hour: 5,
      minute: 0,
    });
  });
});
