import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { TimeRange } from './analytics-store';

/** An ISO 8601 time or epoch milliseconds, as the admin API accepts them. */
export function parseInstant(field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new AppException(ErrorCode.InvalidQuery, 'The query has invalid parameters.', [
      { field, message: `${field} must be an ISO 8601 time or epoch milliseconds` },
    ]);
  }
  return ms;
}

export function parseTimeRange(since?: string, until?: string): TimeRange {
  const range = { since: parseInstant('since', since), until: parseInstant('until', until) };
  if (range.since !== undefined && range.until !== undefined && range.since >= range.until) {
    throw new AppException(ErrorCode.InvalidQuery, 'The query has invalid parameters.', [
      { field: 'until', message: 'until must be later than since' },
    ]);
  }
  return range;
}
