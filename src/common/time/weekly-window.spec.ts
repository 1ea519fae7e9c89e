import { isInside, isValidTimeZone, wallClock } from './weekly-window';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const berlin = { timeZone: 'Europe/Berlin', days: [...WEEKDAYS], from: '09:00', to: '17:00' };

describe('weekly windows', () => {
  it('reads the wall clock of the zone, summer and winter time included', () => {
    // 2026-11-25 is a Wednesday; Berlin is UTC+1 in November, UTC+2 in July.
    expect(wallClock(new Date('2026-11-25T08:30:00Z'), 'Europe/Berlin')).toEqual({
      day: 'wed',
      time: '09:30',
    });
    expect(wallClock(new Date('2026-07-01T08:30:00Z'), 'Europe/Berlin')).toEqual({
      day: 'wed',
      time: '10:30',
    });
    expect(wallClock(new Date('2026-11-25T23:30:00Z'), 'America/New_York')).toEqual({
      day: 'wed',
      time: '18:30',
    });
  });

  it.each([
    ['2026-11-25T08:00:00Z', true], // Wed 09:00: from is inclusive
    ['2026-11-25T15:59:00Z', true], // Wed 16:59
    ['2026-11-25T16:00:00Z', false], // Wed 17:00: to is exclusive
    ['2026-11-25T07:59:00Z', false], // Wed 08:59
    ['2026-11-28T10:00:00Z', false], // Sat 11:00
  ])('%s inside Mon-Fri 09-17 Berlin: %s', (at, inside) => {
    expect(isInside(new Date(at), berlin)).toBe(inside);
  });

  it('counts the small hours of a window past midnight to the day it began', () => {
    const nights = { timeZone: 'UTC', days: ['fri' as const], from: '22:00', to: '06:00' };
    expect(isInside(new Date('2026-11-27T23:00:00Z'), nights)).toBe(true); // Fri 23:00
    expect(isInside(new Date('2026-11-28T03:00:00Z'), nights)).toBe(true); // Sat 03:00
    expect(isInside(new Date('2026-11-28T23:00:00Z'), nights)).toBe(false); // Sat 23:00
    expect(isInside(new Date('2026-11-27T03:00:00Z'), nights)).toBe(false); // Fri 03:00 (Thu night)
  });

  it('knows real time zones only', () => {
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
