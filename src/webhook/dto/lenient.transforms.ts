import type { TransformFnParams } from 'class-transformer';

// Real senders send numbers as numeric strings; normalise them rather than reject.
const INTEGER_TEXT = /^-?\d{1,16}$/;

/** `"1700000000000"` → 1700000000000; anything else is left for the validators to judge. */
export const toInteger = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value.trim()) : value;

/** `"true"` / `"false"` → booleans. */
export const toBoolean = ({ value }: TransformFnParams): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** An id sent as a number where a string was documented → its decimal text. */
export const toIdText = ({ value }: TransformFnParams): unknown =>
  typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;

export const METADATA_MAX_ENTRIES = 100;
export const METADATA_KEY_MAX = 256;
export const METADATA_VALUE_MAX = 16_384;

/**
 * Metadata is documented as string → string, but values arrive as objects,
 * numbers or booleans: those become their JSON text. A non-object is left as
 * it is so that the validator rejects it.
 *
 * Reads the plain object, not class-transformer's copy: the copy drops keys named like
 * Object.prototype members (`toString`, `valueOf`, …), which are ordinary metadata keys.
 */
export const toMetadata = ({ obj, key: property }: TransformFnParams): unknown => {
  const value: unknown = (obj as Record<string, unknown>)[property];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const normalised: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null || entry === undefined) continue;
    normalised[key] = typeof entry === 'string' ? entry : JSON.stringify(entry);
  }
  return normalised;
};
