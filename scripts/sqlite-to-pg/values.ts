/**
 * SQLite's values as the PostgreSQL column takes them. Both dialects get the
 * same column types from the migrations (epoch ms in bigint, 0/1 in integer,
 * JSON as text; only row ids differ, which a bigint holds), so a value passes
 * unchanged unless it is one SQLite let in and PostgreSQL refuses: a fraction
 * or an out-of-range number in an integer column, a BLOB, a NUL character.
 */

/** A value PostgreSQL's column cannot hold; the copy adds the table and row. */
export class ValueError extends Error {}

export interface ValueOptions {
  /** U+0000 in text becomes U+FFFD (PostgreSQL's text has no NUL); otherwise such a value stops the copy. */
  readonly replaceNul: boolean;
  /** Counts the replacements, for the summary. */
  onNulReplaced?(): void;
}

/** Turns one SQLite value (read with safe integers: INTEGER as bigint) into a query parameter. */
export type Converter = (value: unknown) => unknown;

const RANGES: Record<string, readonly [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

const describe = (value: unknown): string =>
  Buffer.isBuffer(value) ? `a BLOB of ${value.length} bytes` : JSON.stringify(String(value));

function integerConverter(type: string): Converter {
  const [min, max] = RANGES[type];
  return (value) => {
    if (value === null) return null;
    let whole: bigint;
    if (typeof value === 'bigint') whole = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) whole = BigInt(value);
    else throw new ValueError(`${describe(value)} is not a whole number (PostgreSQL ${type})`);
    if (whole < min || whole > max) {
      throw new ValueError(`${whole} does not fit PostgreSQL ${type}`);
    }
    return whole;
  };
}

function textConverter(options: ValueOptions): Converter {
  return (value) => {
    if (value === null) return null;
    // A number in a text column (SQLite lets any value into any column) becomes its digits.
    if (typeof value === 'bigint' || typeof value === 'number') return String(value);
    if (typeof value !== 'string') throw new ValueError(`${describe(value)} is not text`);
    if (!value.includes('\u0000')) return value;
    if (!options.replaceNul) {
      throw new ValueError(
        'holds a NUL character, which PostgreSQL text cannot store (--replace-nul turns it into U+FFFD)',
      );
    }
    options.onNulReplaced?.();
    return value.replaceAll('\u0000', '\uFFFD');
  };
}

const numberConverter: Converter = (value) => {
  if (value === null || typeof value === 'bigint' || typeof value === 'number') return value;
  throw new ValueError(`${describe(value)} is not a number`);
};

const booleanConverter: Converter = (value) => {
  if (value === null) return null;
  if (value === 0n || value === 1n) return value === 1n;
  throw new ValueError(`${describe(value)} is not 0 or 1 (PostgreSQL boolean)`);
};

/**
 * How to fill a column of this PostgreSQL type (information_schema's
 * data_type) from SQLite, or undefined for a type the script does not know:
 * better to stop than to guess what the PostgreSQL adapter would write.
 */
export function converterFor(type: string, options: ValueOptions): Converter | undefined {
  if (type in RANGES) return integerConverter(type);
  switch (type) {
    case 'text':
    case 'character varying':
    case 'json':
    case 'jsonb':
      return textConverter(options);
    case 'double precision':
    case 'real':
    case 'numeric':
      return numberConverter;
    case 'boolean':
      return booleanConverter;
    default:
      return undefined;
  }
}
