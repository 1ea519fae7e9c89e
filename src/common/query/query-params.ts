import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-codes';
import { isWellFormedText } from '../validation/is-well-formed.decorator';

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

// Longest a free-text parameter or path segment may be: every stored key, id and name is shorter.
const TEXT_MAX = 1024;
// A cursor holds a time and a key of up to 256 characters, JSON-escaped and base64url-encoded.
const CURSOR_MAX = 4096;

/** Opaque to clients so that the keyset can change without breaking them. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** A cursor given back; `integerIds`: the list's rows have numeric ids (a text one is not a cursor of it). */
export function decodeCursor(value: unknown, integerIds = false): Cursor | undefined {
  const text = queryText('cursor', value, CURSOR_MAX);
  if (text === undefined) return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      Number.isSafeInteger(decoded[0]) &&
      (integerIds
        ? Number.isSafeInteger(decoded[1])
        : (typeof decoded[1] === 'string' && isWellFormedText(decoded[1])) ||
          Number.isSafeInteger(decoded[1]))
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

/**
 * A query parameter or path segment as one string, undefined when absent or empty. A
 * repeated parameter (`?a=1&a=2` arrives as an array) or an over-long one is a 400.
 */
export function queryText(field: string, value: unknown, maxLength = TEXT_MAX): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidQuery(field, `${field} must be given once`);
  if (value.length > maxLength) {
    throw invalidQuery(field, `${field} must be at most ${maxLength} characters`);
  }
  // No stored key holds one, and PostgreSQL's text cannot even be compared with it.
  if (!isWellFormedText(value)) {
    throw invalidQuery(field, `${field} must be well-formed Unicode text without NUL`);
  }
  return value;
}

/** A path segment: one string of at most TEXT_MAX characters. */
export function pathText(field: string, value: unknown): string {
  const text = queryText(field, value);
  if (text === undefined) throw invalidQuery(field, `${field} is required`);
  return text;
}

/** `limit` as a whole number in [1, max]; the default when absent. */
export function parseLimit(value: unknown, fallback = 50, max = 500): number {
  const text = queryText('limit', value, 16);
  if (text === undefined) return fallback;
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw invalidQuery('limit', `limit must be a whole number from 1 to ${max}`);
  }
  return limit;
}

// Times the admin API takes: from 1970 through 9999, so every one prints as an ISO time.
const INSTANT_MIN = 0;
const INSTANT_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
// Date.parse alone also takes "foo 1" (as 2001); only ISO 8601 shapes go to it.
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** An ISO 8601 time or epoch milliseconds, as the admin API accepts them. */
export function parseInstant(field: string, value: unknown): number | undefined {
  const text = queryText(field, value);
  if (text === undefined) return undefined;
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (!(ms >= INSTANT_MIN && ms <= INSTANT_MAX)) {
    throw invalidQuery(
      field,
      `${field} must be an ISO 8601 time or epoch milliseconds, from 1970 through 9999`,
    );
  }
  return ms;
}

/** One of a fixed set of words, or undefined when absent. */
export function parseChoice<T extends string>(
  field: string,
  value: unknown,
  choices: readonly T[],
): T | undefined {
  const text = queryText(field, value);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw invalidQuery(field, `${field} must be one of ${choices.join(', ')}`);
  }
  return text as T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path segment that must be a UUID (a delivery id). */
export function parseUuid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw invalidQuery(field, `${field} must be a UUID`);
  }
  return value;
}
