// Real senders send numbers as numeric strings; normalise them rather than reject.
const INTEGER_TEXT = /^-?\d{1,16}$/;

/**
 * `"1700000000000"` → 1700000000000, and -0 → 0; anything else is left for the
 * validators to judge (a number past 2^53 − 1 among it: it may have been rounded).
 */
export const toInteger = (value: unknown): unknown => {
  const number: unknown =
    typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value.trim()) : value;
  return number === 0 ? 0 : number;
};

/** `"true"` / `"false"` → booleans. */
export const toBoolean = (value: unknown): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** An id sent as a number where a string was documented → its decimal text. */
export const toIdText = (value: unknown): unknown =>
  typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;

export const METADATA_MAX_ENTRIES = 100;
export const METADATA_KEY_MAX = 256;
export const METADATA_VALUE_MAX = 16_384;

/**
 * Metadata is documented as string → string, but values arrive as objects,
 * numbers or booleans: those become their JSON text, and null ones are
 * dropped. Only one entry past the limit is kept: enough for the validator to
 * refuse the object, and no more work for anything after it.
 */
export function normaliseMetadata(value: Record<string, unknown>): Record<string, string> {
  const entries: [string, string][] = [];
  // Object.keys, not entries: a pair per key costs three times as much on a huge object.
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (entry === null || entry === undefined) continue;
    entries.push([key, typeof entry === 'string' ? entry : JSON.stringify(entry)]);
    if (entries.length > METADATA_MAX_ENTRIES) break;
  }
  // fromEntries makes every key an own property, whatever its name.
  return Object.fromEntries(entries);
}
