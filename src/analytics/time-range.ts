import { invalidQuery, parseInstant } from '../common/query/query-params';
import type { TimeRange } from './analytics-store';

export function parseTimeRange(since?: string, until?: string): TimeRange {
  const range = { since: parseInstant('since', since), until: parseInstant('until', until) };
  if (range.since !== undefined && range.until !== undefined && range.since >= range.until) {
    throw invalidQuery('until', 'until must be later than since');
  }
  return range;
}
