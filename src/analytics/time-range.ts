import { invalidQuery, parseInstant, queryText } from '../common/query/query-params';
import type { TimeRange } from './analytics-store';

export function parseTimeRange(since: unknown, until: unknown): TimeRange {
  const range = { since: parseInstant('since', since), until: parseInstant('until', until) };
  if (range.since !== undefined && range.until !== undefined && range.since >= range.until) {
    throw invalidQuery('until', 'until must be later than since');
  }
  return range;
}

const OFFSET = /^([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** `+02:00`, `-5`, `+0530` (refused: not whole hours), `UTC`, `Z` → whole hours east of UTC. */
export function parseOffsetHours(value: unknown): number {
  const tz = queryText('tz', value, 16);
  if (tz === undefined || /^(utc|z|gmt)$/i.test(tz)) return 0;
  // A `+` in a query string arrives as a space unless the client encoded it.
  const match = OFFSET.exec(tz.trim().replace(/^(\d)/, '+$1'));
  const hours = match ? Number(match[2]) * (match[1] === '-' ? -1 : 1) : NaN;
  if (!match || (match[3] !== undefined && match[3] !== '00') || hours < -12 || hours > 14) {
    throw invalidQuery(
      'tz',
      'tz must be a whole-hour UTC offset from -12:00 to +14:00, e.g. +02:00',
    );
  }
  return hours;
}
