import { isUtf8 } from 'node:buffer';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';

export const MAX_JSON_DEPTH = 32;

const invalid = (message: string): AppException =>
  new AppException(ErrorCode.InvalidPayload, 'The payload is not a Kommunicate message.', [
    { field: '(body)', message },
  ]);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PROTO = '__proto__';
// The raw text of a key that could decode to "__proto__": its letters, or \u escapes.
const ESCAPED_PROTO = /^(?:[_prot]|\\u[0-9a-fA-F]{4})+$/;

export interface JsonTextScan {
  /** Objects and arrays nest deeper than the limit (the scan stops there). */
  readonly tooDeep: boolean;
  /** A key decodes to "__proto__". */
  readonly protoKey: boolean;
}

/**
 * One pass over the text, before it is parsed: how deep objects and arrays
 * nest, and whether a key is "__proto__", however escaped. Strings are
 * skipped; only a short one followed by `:` is ever decoded.
 */
export function scanJsonText(text: string, maxDepth: number): JsonTextScan {
  let depth = 0;
  let protoKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++; // a backslash escapes the next character
        } else if (d === QUOTE) {
          break;
        }
      }
      protoKey ||= isProtoKey(text, start, i, escaped);
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { tooDeep: true, protoKey };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return { tooDeep: false, protoKey };
}

/** Whether the string token from `start` to `end` (its quotes) is a key that decodes to "__proto__". */
function isProtoKey(text: string, start: number, end: number, escaped: boolean): boolean {
  const length = end - start - 1;
  const candidate = escaped
    ? length > PROTO.length &&
      length <= PROTO.length * 6 &&
      ESCAPED_PROTO.test(text.slice(start + 1, end))
    : length === PROTO.length && text.startsWith(PROTO, start + 1);
  if (!candidate) return false;
  let next = end + 1;
  while (/[ \t\n\r]/.test(text.charAt(next))) next++;
  if (text.charAt(next) !== ':') return false;
  return !escaped || JSON.parse(text.slice(start, end + 1)) === PROTO;
}

/** The body as text: not empty, valid UTF-8, without a byte-order mark. */
export function decodeJsonText(body: Buffer | undefined): string {
  if (!body || body.length === 0) {
    throw new AppException(
      ErrorCode.MalformedJson,
      'The body is empty; a JSON object was expected.',
    );
  }
  if (!isUtf8(body))
    throw new AppException(ErrorCode.MalformedJson, 'The body is not valid UTF-8.');
  return body.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Turns the text into a JSON object, or throws the 4xx that says why not.
 * Bounds depth before parsing so that no later step can recurse deeply.
 */
export function parseJsonText(text: string): Record<string, unknown> {
  const scan = scanJsonText(text, MAX_JSON_DEPTH);
  if (scan.tooDeep) throw invalid(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    // No reviver: it would double the cost of a body with many keys. JSON.parse makes a
    // "__proto__" key an own property, never the prototype; the scan found any such key.
    value = JSON.parse(text);
  } catch {
    throw new AppException(ErrorCode.MalformedJson, 'The body is not valid JSON.');
  }
  if (scan.protoKey) throw invalid('contains a "__proto__" key');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('must be a JSON object');
  }
  return value as Record<string, unknown>;
}
