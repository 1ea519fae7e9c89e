import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-codes';

/** A keyset position: the sort time and the row id that breaks ties. */
export interface Cursor<Id extends string | number = string | number> {
  readonly at: number;
  readonly id: Id;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

/** Opaque to clients so that the keyset can change without breaking them. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      Number.isSafeInteger(decoded[0]) &&
      (typeof decoded[1] === 'string' || Number.isSafeInteger(decoded[1]))
    ) {
      return { at: decoded[0] as number, id: decoded[1] as string | number };
    }
  } catch {
    // falls through to the 400 below
  }
  throw invalidQuery('cursor', 'cursor must be a value returned as nextCursor');
}

export function invalidQuery(field: string, message: string): AppException {
  return new AppException(ErrorCode.InvalidQuery, 'The query has invalid parameters.', [
    { field, message },
  ]);
}

/** `limit` as a whole number in [1, max]; the default when absent. */
export function parseLimit(value: string | undefined, fallback = 50, max = 500): number {
  if (value === undefined || value === '') return fallback;
  const limit = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw invalidQuery('limit', `limit must be a whole number from 1 to ${max}`);
  }
  return limit;
}

/** An ISO 8601 time or epoch milliseconds, as the admin API accepts them. */
export function parseInstant(field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw invalidQuery(field, `${field} must be an ISO 8601 time or epoch milliseconds`);
  }
  return ms;
}

/** One of a fixed set of words, or undefined when absent. */
export function parseChoice<T extends string>(
  field: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw invalidQuery(field, `${field} must be one of ${choices.join(', ')}`);
  }
  return value as T;
}
