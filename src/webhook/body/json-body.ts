import { isUtf8 } from 'node:buffer';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';

export const MAX_JSON_DEPTH = 32;

const invalid = (message: string): AppException =>
  new AppException(ErrorCode.InvalidPayload, 'The payload is not a Kommunicate message.', [
    { field: '(body)', message },
  ]);

/** Whether objects and arrays nest deeper than `max`, found without parsing (strings are skipped). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

const rejectProtoKeys = (key: string, value: unknown): unknown => {
  if (key === '__proto__') throw invalid('contains a "__proto__" key');
  return value;
};

export interface ParsedJsonObject {
  readonly value: Record<string, unknown>;
  /** The body text exactly as received, for the stored raw payload. */
  readonly text: string;
}

/**
 * Turns a request body into a JSON object, or throws the 4xx that says why
 * not. Bounds depth before parsing so that no later step can recurse deeply.
 */
export function parseJsonObject(body: Buffer | undefined): ParsedJsonObject {
  if (!body || body.length === 0) {
    throw new AppException(
      ErrorCode.MalformedJson,
      'The body is empty; a JSON object was expected.',
    );
  }
  if (!isUtf8(body))
    throw new AppException(ErrorCode.MalformedJson, 'The body is not valid UTF-8.');
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw invalid(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    // The reviver costs a second walk; only pay it when a "__proto__" key is possible.
    value =
      text.includes('__proto__') || text.includes('\\u')
        ? JSON.parse(text, rejectProtoKeys)
        : JSON.parse(text);
  } catch (error) {
    if (error instanceof AppException) throw error;
    throw new AppException(ErrorCode.MalformedJson, 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('must be a JSON object');
  }
  return { value: value as Record<string, unknown>, text };
}
