import { latestDuePeriod, periodEndingAt, type DigestSchedule } from './digest-schedule';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const HOUR = 3_600_000;

/** The period as ISO instants, to compare whole. */
function periodAt(schedule: DigestSchedule, now: string) {
  const period = latestDuePeriod(schedule, at(now));
  return {
    start: iso(period.start),
    end: iso(period.end),
    dueAt: iso(period.dueAt),
    previous: { start: iso(period.previous.start), end: iso(period.previous.end) },
    days: [period.firstDay, period.lastDay],
  };
}

const daily = (time: string, timeZone: string): DigestSchedule => {
  const [h, m] = time.split(':').map(Number);
  return { every: 'daily', at: h * 60 + m, timeZone };
};

describe('latestDuePeriod', () => {
  const berlin = daily('08:00', 'Europe/Berlin');

  it('daily: the local day before, due at the local time; compared with that weekday a week before', () => {
    // Friday 27 Nov 2026, 08:00 in Berlin is 07:00 UTC.
    expect(periodAt(berlin, '2026-11-27T07:00:00Z')).toEqual({
      start: '2026-11-25T23:00:00.000Z',
      end: '2026-11-26T23:00:00.000Z',
      dueAt: '2026-11-27T07:00:00.000Z',
      previous: { start: '2026-11-18T23:00:00.000Z', end: '2026-11-19T23:00:00.000Z' },
      days: ['2026-11-26', '2026-11-26'],
    });
    // A minute before, Thursday's digest (of Wednesday) is still the latest due.
    expect(periodAt(berlin, '2026-11-27T06:59:59Z')).toMatchObject({
      dueAt: '2026-11-26T07:00:00.000Z',
      days: ['2026-11-25', '2026-11-25'],
    });
    // Late that evening, still Friday's.
    expect(periodAt(berlin, '2026-11-27T22:59:00Z').dueAt).toBe('2026-11-27T07:00:00.000Z');
  });

  it('daily: the local date decides, not UTC’s', () => {
    // 01:30 on Saturday in Tokyo is Friday 16:30 UTC; 00:15 local is due.
    expect(periodAt(daily('00:15', 'Asia/Tokyo'), '2026-11-27T16:30:00Z')).toMatchObject({
      start: '2026-11-26T15:00:00.000Z',
      end: '2026-11-27T15:00:00.000Z',
      dueAt: '2026-11-27T15:15:00.000Z',
      days: ['2026-11-27', '2026-11-27'],
    });
    // 23:30 in Los Angeles on Thursday is Friday 07:30 UTC.
    expect(periodAt(daily('23:00', 'America/Los_Angeles'), '2026-11-27T07:30:00Z')).toMatchObject({
      dueAt: '2026-11-27T07:00:00.000Z',
      days: ['2026-11-25', '2026-11-25'],
    });
  });

  it('daily across DST: the reported day lasts 23 h in spring and 25 h in autumn', () => {
    const spring = latestDuePeriod(berlin, at('2026-03-30T06:00:00Z'));
    expect(iso(spring.dueAt)).toBe('2026-03-30T06:00:00.000Z');
    expect([iso(spring.start), iso(spring.end)]).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
    expect(spring.end - spring.start).toBe(23 * HOUR);
    // Its comparison day, a week before, had 24 h.
    expect(spring.previous.end - spring.previous.start).toBe(24 * HOUR);

    const autumn = latestDuePeriod(berlin, at('2026-10-26T07:00:00Z'));
    expect(iso(autumn.dueAt)).toBe('2026-10-26T07:00:00.000Z');
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
    expect(autumn.firstDay).toBe('2026-10-25');
  });

  it('daily at a time the spring change skips: sent beside the gap, once that day', () => {
    // 02:30 does not exist in Berlin on 29 Mar 2026; the digest goes within the hour around it.
    const skipped = latestDuePeriod(daily('02:30', 'Europe/Berlin'), at('2026-03-29T02:00:00Z'));
    expect(skipped.firstDay).toBe('2026-03-28');
    expect(Math.abs(skipped.dueAt - at('2026-03-29T01:00:00Z'))).toBeLessThanOrEqual(HOUR / 2 + 1);
    // The day after it is the usual 02:30 CEST.
    const next = latestDuePeriod(daily('02:30', 'Europe/Berlin'), at('2026-03-30T00:30:00Z'));
    expect(iso(next.dueAt)).toBe('2026-03-30T00:30:00.000Z');
  });

  it('weekly: the seven local days before the send day, compared with the week before', () => {
    const monday: DigestSchedule = {
      every: 'weekly',
      at: 8 * 60,
      day: 'mon',
      timeZone: 'Europe/Berlin',
    };
    // Wednesday 2 Dec 2026: the latest due was Monday 30 Nov at 08:00 (07:00 UTC).
    expect(periodAt(monday, '2026-12-02T12:00:00Z')).toEqual({
      start: '2026-11-22T23:00:00.000Z',
      end: '2026-11-29T23:00:00.000Z',
      dueAt: '2026-11-30T07:00:00.000Z',
      previous: { start: '2026-11-15T23:00:00.000Z', end: '2026-11-22T23:00:00.000Z' },
      days: ['2026-11-23', '2026-11-29'],
    });
    // Monday itself, just before 08:00: still the week before's.
    expect(periodAt(monday, '2026-11-30T06:59:00Z')).toMatchObject({
      dueAt: '2026-11-23T07:00:00.000Z',
      days: ['2026-11-16', '2026-11-22'],
    });
    expect(periodAt(monday, '2026-11-30T07:00:00Z').dueAt).toBe('2026-11-30T07:00:00.000Z');
  });

  it('weekly across DST: the week of the autumn change lasts 169 h', () => {
    const sunday: DigestSchedule = {
      every: 'weekly',
      at: 18 * 60,
      day: 'sun',
      timeZone: 'Europe/Berlin',
    };
    // Sunday 1 Nov 2026, 18:00 CET: the week Sun 25 Oct – Sat 31 Oct, the change on its first day.
    const period = latestDuePeriod(sunday, at('2026-11-01T17:00:00Z'));
    expect(iso(period.dueAt)).toBe('2026-11-01T17:00:00.000Z');
    expect([period.firstDay, period.lastDay]).toEqual(['2026-10-25', '2026-10-31']);
    expect(period.end - period.start).toBe(169 * HOUR);
    expect(period.previous.end - period.previous.start).toBe(168 * HOUR);
  });

  it('finds a period again by its end, across DST too', () => {
    const weekly: DigestSchedule = {
      every: 'weekly',
      at: 18 * 60,
      day: 'sun',
      timeZone: 'Europe/Berlin',
    };
    for (const [schedule, now] of [
      [berlin, '2026-03-30T06:00:00Z'],
      [berlin, '2026-10-26T07:00:00Z'],
      [weekly, '2026-11-01T17:00:00Z'],
      [daily('23:59', 'Pacific/Kiritimati'), '2026-06-01T12:00:00Z'],
    ] as const) {
      const period = latestDuePeriod(schedule, at(now));
      expect(periodEndingAt(schedule, period.end)).toEqual(period);
    }
  });
});
