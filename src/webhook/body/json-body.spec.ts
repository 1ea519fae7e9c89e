import { AppException } from '../../common/errors/app.exception';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../../common/errors/error-codes';
import { decodeJsonText, MAX_JSON_DEPTH, parseJsonText, scanJsonText } from './json-body';

/** The two steps as the webhook runs them: the text, then the object. */
function parseJsonObject(body: Buffer | undefined): {
  value: Record<string, unknown>;
  text: string;
} {
  const text = decodeJsonText(body);
  return { value: parseJsonText(text), text };
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Runs parseJsonObject and returns the AppException it threw; fails the test if it did not. */
function rejection(body: Buffer | undefined): AppException {
  let thrown: unknown;
  try {
    parseJsonObject(body);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof AppException)) {
    throw new Error(`expected an AppException, got ${String(thrown)}`);
  }
  return thrown;
}

function expectMalformed(body: Buffer | undefined, message: string): void {
  const error = rejection(body);
  expect(error.code).toBe('WEBHOOK.MALFORMED_JSON');
  expect(error.code).toBe(ErrorCode.MalformedJson);
  expect(HTTP_STATUS_BY_CODE[error.code]).toBe(400);
  expect(error.message).toBe(message);
  expect(error.errors).toBeUndefined();
}

function expectInvalid(body: Buffer, reason: string): void {
  const error = rejection(body);
  expect(error.code).toBe('WEBHOOK.INVALID_PAYLOAD');
  expect(error.code).toBe(ErrorCode.InvalidPayload);
  expect(HTTP_STATUS_BY_CODE[error.code]).toBe(400);
  expect(error.message).toBe('The payload is not a Kommunicate message.');
  expect(error.errors).toEqual([{ field: '(body)', message: reason }]);
}

/** `{"a":{"a":…{}…}}` with `depth` objects in all. */
const nestedObjects = (depth: number): string =>
  '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
/** `{"a":[[…[]…]]}`: one object around `depth - 1` arrays. */
const nestedArrays = (depth: number): string =>
  '{"a":' + '['.repeat(depth - 1) + ']'.repeat(depth - 1) + '}';

describe('parseJsonObject', () => {
  describe('a valid object', () => {
    it('parses and keeps every field, nested values included', () => {
      const text =
        '{"key":"k-1","from":"lee","timeStamp":1700000000000,"metadata":{"a":"b","n":[1,2,{"c":null}]},"flag":false}';
      const parsed = parseJsonObject(utf8(text));
      expect(parsed.value).toEqual({
        key: 'k-1',
        from: 'lee',
        timeStamp: 1700000000000,
        metadata: { a: 'b', n: [1, 2, { c: null }] },
        flag: false,
      });
      expect(parsed.text).toBe(text);
    });

    it('keeps the text exactly as received, whitespace included', () => {
      const text = '\n  { "a" : 1 ,\n "b": "x" }  \n';
      const parsed = parseJsonObject(utf8(text));
      expect(parsed.value).toEqual({ a: 1, b: 'x' });
      expect(parsed.text).toBe(text);
    });

    it('decodes multi-byte UTF-8 and \\u escapes that are not __proto__', () => {
      const text = '{"message":"héllo € 👋","escaped":"\\u00e9\\u005f","\\u0061b":1}';
      const parsed = parseJsonObject(utf8(text));
      expect(parsed.value).toEqual({ message: 'héllo € 👋', escaped: 'é_', ab: 1 });
      expect(parsed.text).toBe(text);
    });

    it('strips a leading byte-order mark', () => {
      const parsed = parseJsonObject(
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('{"a":1}')]),
      );
      expect(parsed.value).toEqual({ a: 1 });
      expect(parsed.text).toBe('{"a":1}');
    });

    it('accepts an empty object', () => {
      expect(parseJsonObject(utf8('{}'))).toEqual({ value: {}, text: '{}' });
    });

    it('accepts "__proto__" as a value and inside a longer key', () => {
      const text = '{"a":"__proto__","x__proto__":1,"__proto__x":2}';
      expect(parseJsonObject(utf8(text)).value).toEqual({
        a: '__proto__',
        x__proto__: 1,
        __proto__x: 2,
      });
    });

    it(`accepts nesting of exactly ${MAX_JSON_DEPTH} levels, objects or arrays`, () => {
      expect(MAX_JSON_DEPTH).toBe(32);
      const objects = parseJsonObject(utf8(nestedObjects(MAX_JSON_DEPTH)));
      let depth = 1;
      let node = objects.value;
      while ('a' in node) {
        node = node.a as Record<string, unknown>;
        depth++;
      }
      expect(depth).toBe(MAX_JSON_DEPTH);
      expect(parseJsonObject(utf8(nestedArrays(MAX_JSON_DEPTH))).text).toBe(
        nestedArrays(MAX_JSON_DEPTH),
      );
    });

    it('does not count brackets inside strings, escaped quotes included', () => {
      const brackets = '['.repeat(100) + '{'.repeat(100);
      const text = `{"a":"${brackets}","b":"\\"${brackets}\\\\","c":"\\\\"}`;
      expect(parseJsonObject(utf8(text)).value).toEqual({
        a: brackets,
        b: `"${brackets}\\`,
        c: '\\',
      });
    });
  });

  describe('an empty body → WEBHOOK.MALFORMED_JSON', () => {
    it('no body at all', () => {
      expectMalformed(undefined, 'The body is empty; a JSON object was expected.');
    });

    it('zero bytes', () => {
      expectMalformed(Buffer.alloc(0), 'The body is empty; a JSON object was expected.');
    });

    it('only blanks', () => {
      expectMalformed(utf8('   \n'), 'The body is not valid JSON.');
    });
  });

  describe('invalid JSON → WEBHOOK.MALFORMED_JSON', () => {
    it.each([
      '{',
      '{"a":1',
      '{"a":1,}',
      "{'a':1}",
      '{a:1}',
      '{"a":1}}',
      '{"a":1} {"b":2}',
      '{"a":undefined}',
      'key=value',
    ])('%s', (text) => {
      expectMalformed(utf8(text), 'The body is not valid JSON.');
    });

    it('a malformed body that also contains "__proto__" stays MALFORMED_JSON', () => {
      expectMalformed(utf8('{"__proto__"'), 'The body is not valid JSON.');
    });
  });

  describe('invalid UTF-8 → WEBHOOK.MALFORMED_JSON', () => {
    it.each([
      ['a lone continuation byte', [0x80]],
      ['a 0xff byte', [0xff]],
      ['a truncated two-byte sequence', [0xc3]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['a UTF-16 surrogate encoded in UTF-8', [0xed, 0xa0, 0x80]],
    ])('%s inside a string', (_label, bytes) => {
      const body = Buffer.concat([utf8('{"a":"'), Buffer.from(bytes), utf8('"}')]);
      expectMalformed(body, 'The body is not valid UTF-8.');
    });

    it('a body in Latin-1', () => {
      expectMalformed(Buffer.from('{"a":"café"}', 'latin1'), 'The body is not valid UTF-8.');
    });

    it('a body in UTF-16', () => {
      expectMalformed(Buffer.from('{"a":"b"}', 'utf16le'), 'The body is not valid JSON.');
    });
  });

  describe('nesting deeper than the limit → WEBHOOK.INVALID_PAYLOAD', () => {
    const reason = `nests deeper than ${MAX_JSON_DEPTH} levels`;

    it('objects one level too deep', () => {
      expectInvalid(utf8(nestedObjects(MAX_JSON_DEPTH + 1)), reason);
    });

    it('arrays one level too deep', () => {
      expectInvalid(utf8(nestedArrays(MAX_JSON_DEPTH + 1)), reason);
    });

    it('a very deep array, checked before parsing', () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      expectInvalid(utf8(deep), reason);
    });

    it('deep nesting even when the JSON is also unterminated', () => {
      expectInvalid(utf8('['.repeat(MAX_JSON_DEPTH + 1)), reason);
    });
  });

  describe('a "__proto__" key → WEBHOOK.INVALID_PAYLOAD', () => {
    const reason = 'contains a "__proto__" key';

    it('at the top level', () => {
      expectInvalid(utf8('{"__proto__":{"polluted":true}}'), reason);
    });

    it('nested inside an object or an array', () => {
      expectInvalid(utf8('{"metadata":{"__proto__":{"polluted":true}}}'), reason);
      expectInvalid(utf8('{"list":[{"__proto__":1}]}'), reason);
    });

    it('escaped as \\u005f_proto__', () => {
      expectInvalid(utf8('{"\\u005f_proto__":{"polluted":true}}'), reason);
    });

    it('fully escaped', () => {
      expectInvalid(
        utf8('{"\\u005F\\u005F\\u0070\\u0072\\u006f\\u0074\\u006f\\u005f\\u005f":1}'),
        reason,
      );
    });

    it('does not pollute Object.prototype', () => {
      rejection(utf8('{"__proto__":{"polluted":true}}'));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('JSON that is not an object → WEBHOOK.INVALID_PAYLOAD', () => {
    it.each([
      ['an array', '[{"key":"k"}]'],
      ['an empty array', '[]'],
      ['a number', '42'],
      ['a string', '"{\\"key\\":\\"k\\"}"'],
      ['true', 'true'],
      ['null', 'null'],
    ])('%s', (_label, text) => {
      expectInvalid(utf8(text), 'must be a JSON object');
    });
  });
});

describe('scanJsonText', () => {
  const tooDeep = (text: string, max: number): boolean => scanJsonText(text, max).tooDeep;
  const protoKey = (text: string): boolean => scanJsonText(text, MAX_JSON_DEPTH).protoKey;

  it('counts objects and arrays together', () => {
    expect(tooDeep('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(tooDeep('{"a":[{"b":[]}]}', 3)).toBe(true);
  });

  it('counts depth, not the number of containers', () => {
    expect(tooDeep('[[],[],[],[],[],[]]', 2)).toBe(false);
  });

  it('ignores brackets in strings, after escaped quotes and after escaped backslashes', () => {
    expect(tooDeep('{"a":"[[[[[["}', 1)).toBe(false);
    expect(tooDeep('{"a":"\\"[[[[["}', 1)).toBe(false);
    expect(tooDeep('{"a":"\\\\","b":[[]]}', 2)).toBe(true);
  });

  it('finds a "__proto__" key however it is escaped or spaced, and only as a key', () => {
    expect(protoKey('{"__proto__":1}')).toBe(true);
    expect(protoKey('{"a":{"__proto__" \n :1}}')).toBe(true);
    expect(protoKey('{"\\u005f_proto\\u005F_":1}')).toBe(true);
    expect(protoKey('{"a":"__proto__"}')).toBe(false);
    expect(protoKey('{"a":["__proto__",1]}')).toBe(false);
    expect(protoKey('{"__proto__x":1,"\\u005fproto__":2}')).toBe(false);
    expect(protoKey('{"a":"\\"__proto__\\":1"}')).toBe(false);
  });
});
