import { AppException } from '../errors/app.exception';
import {
  decodeCursor,
  encodeCursor,
  parseChoice,
  parseInstant,
  parseLimit,
  parseUuid,
  pathText,
  queryText,
} from './query-params';

/** The field and message of the 400 that `parse` throws. */
function refusal(parse: () => unknown): { field: string; message: string } {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof AppException)) throw error;
    expect(error.code).toBe('ADMIN.INVALID_QUERY');
    expect(error.errors).toHaveLength(1);
    return error.errors![0];
  }
  throw new Error('expected a 400');
}

describe('query parameters', () => {
  describe('parseInstant', () => {
    it('takes ISO 8601 times and epoch milliseconds from 1970 through 9999', () => {
      expect(parseInstant('since', '2024-05-01T10:00:00Z')).toBe(Date.UTC(2024, 4, 1, 10));
      expect(parseInstant('since', '1714557600000')).toBe(1714557600000);
      expect(parseInstant('since', '2024-05-01T12:00:00.5+02:00')).toBe(
        Date.UTC(2024, 4, 1, 10, 0, 0, 500),
      );
      expect(parseInstant('since', '2024-05-01')).toBe(Date.UTC(2024, 4, 1));
      expect(parseInstant('since', '0')).toBe(0);
      expect(parseInstant('since', '9999-12-31T23:59:59.999Z')).toBe(253402300799999);
      expect(parseInstant('since', '')).toBeUndefined();
      expect(parseInstant('since', undefined)).toBeUndefined();
    });

    it.each([
      '9999999999999999', // past year 9999: new Date(…).toISOString() threw a RangeError
      '253402300800000',
      '-271821-04-20T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '1969-12-31T23:59:59Z',
      '-1',
      'yesterday',
      'foo 1', // Date.parse reads it as 2001
      'May 1 2024',
      '1e12',
      'x'.repeat(100),
    ])('refuses %j, naming the field', (value) => {
      expect(refusal(() => parseInstant('until', value))).toEqual({
        field: 'until',
        message: 'until must be an ISO 8601 time or epoch milliseconds, from 1970 through 9999',
      });
    });
  });

  it('refuses a parameter given twice (an array) and one that is too long', () => {
    expect(refusal(() => queryText('listener', ['a', 'b']))).toEqual({
      field: 'listener',
      message: 'listener must be given once',
    });
    expect(refusal(() => parseInstant('since', ['1', '2']))).toMatchObject({ field: 'since' });
    expect(refusal(() => parseLimit(['5']))).toMatchObject({ field: 'limit' });
    expect(refusal(() => parseChoice('status', ['dead'], ['dead']))).toMatchObject({
      field: 'status',
    });
    expect(refusal(() => decodeCursor(['a']))).toMatchObject({ field: 'cursor' });
    expect(refusal(() => queryText('from', 'f'.repeat(1025)))).toEqual({
      field: 'from',
      message: 'from must be at most 1024 characters',
    });
    expect(queryText('from', 'f'.repeat(1024))).toHaveLength(1024);
    expect(queryText('from', '')).toBeUndefined();
  });

  it('takes a path segment of up to 1024 characters', () => {
    expect(pathText('key', 'k-1')).toBe('k-1');
    expect(refusal(() => pathText('key', 'k'.repeat(1025)))).toMatchObject({ field: 'key' });
  });

  it('takes a UUID as a delivery id and nothing else', () => {
    const id = '6f1c2a8e-7b3d-5e0f-9a6b-2c4d8e0f1a3b';
    expect(parseUuid('id', id)).toBe(id);
    for (const value of ['no-such-delivery', `${id}x`, '', 'x'.repeat(5000)]) {
      expect(refusal(() => parseUuid('id', value))).toEqual({
        field: 'id',
        message: 'id must be a UUID',
      });
    }
  });

  it('decodes its own cursors and refuses anything else', () => {
    expect(decodeCursor(encodeCursor({ at: 1700000000000, id: 'k-1' }))).toEqual({
      at: 1700000000000,
      id: 'k-1',
    });
    for (const value of ['%%%', 'W10', encodeCursor({ at: 1.5, id: 'k' }), 'A'.repeat(5000)]) {
      expect(refusal(() => decodeCursor(value))).toMatchObject({ field: 'cursor' });
    }
  });

  it('takes a limit from 1 to the maximum', () => {
    expect(parseLimit(undefined)).toBe(50);
    expect(parseLimit('500')).toBe(500);
    for (const value of ['0', '501', '1.5', '-1', '9'.repeat(40)]) {
      expect(refusal(() => parseLimit(value))).toMatchObject({ field: 'limit' });
    }
  });
});
