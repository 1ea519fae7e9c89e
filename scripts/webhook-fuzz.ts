/**
 * Generated and mutated webhook requests, and the runner that sends them: the
 * same seed and count always give the same requests. Used by
 * test/fuzz.e2e-spec.ts and by `npm run fuzz` (scripts/fuzz.ts).
 *
 * About one request in seven is a valid message (some in the lenient shapes
 * real senders use), a few resend an earlier body; the rest carry one to
 * three mutations: types swapped, fields dropped, huge strings, many keys,
 * deep nesting, "__proto__" keys, lone surrogates, huge or odd numbers,
 * broken JSON, invalid UTF-8, other encodings and content types, compressed
 * bodies, missing or wrong tokens, empty bodies.
 */
import { request as httpRequest, Agent } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Random } from './traffic';

export type Auth = 'valid' | 'none' | 'wrong';

export interface FuzzRequest {
  readonly index: number;
  /** The mutations applied, e.g. `swap-type:groupId + invalid-utf8`; `valid` for none. */
  readonly label: string;
  readonly auth: Auth;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

type Message = Record<string, unknown>;

interface Draft {
  message: Message;
  labels: string[];
  auth: Auth;
  headers: Record<string, string>;
  /** Applied to the JSON text, in order. */
  textSteps: ((text: string) => string)[];
  /** Applied to the bytes, in order. */
  byteSteps: ((bytes: Buffer) => Buffer)[];
}

// ------------------------------------------------------------------ values

// A number written into the JSON text exactly as given: JSON.stringify would round
// 10000000000000001 and cannot write 1e300 or -0 as such.
const RAW = '\u0000raw:';
const raw = (text: string): string => `${RAW}${text}\u0000`;
const RAW_MARKER = /"\\u0000raw:([^"\\]*)\\u0000"/g;

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'null',
  '0',
  '-0',
  'true',
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE messages; --",
  '%00%ZZ%',
  'héllo wörld',
  '👋🏽',
  'x\ud800',
  '\udfffx',
  '\ud83d',
  '\u202eevil',
  '\ufeffbom',
  'a\r\nb',
  '{"nested":"json"}',
];

const ODD_NUMBERS = [
  '0',
  '-0',
  '-1',
  '1.5',
  '1e300',
  '-1e300',
  '1e-400',
  '1E3',
  '123.000',
  '9007199254740991',
  '9007199254740992',
  '10000000000000001',
  '99999999999999999999',
  '1700000000',
  '1700000000000',
  '946684799999',
  '4102444800001',
  '8640000000000001',
];

const STRING_FIELDS = ['key', 'from', 'message', 'to', 'clientGroupId', 'groupName'];
const NUMBER_FIELDS = [
  'timeStamp',
  'groupId',
  'conversationId',
  'receiverLastSeenAtTime',
  'file.size',
];
const FIELDS = [
  ...STRING_FIELDS,
  'timeStamp',
  'groupId',
  'conversationId',
  'receiverConnected',
  'receiverLastSeenAtTime',
  'file',
  'metadata',
];
const FILE_FIELDS = ['name', 'url', 'contentType', 'size', 'thumbnailUrl'];

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

function manyKeys(count: number, value: (i: number) => unknown): Message {
  const object: Message = {};
  for (let i = 0; i < count; i++) object[`k${i.toString(36)}`] = value(i);
  return object;
}

function randomValue(r: Random): unknown {
  switch (r.int(0, 10)) {
    case 0:
      return r.pick(ODD_STRINGS);
    case 1:
      return raw(r.pick(ODD_NUMBERS));
    case 2:
      return r.pick(ODD_NUMBERS);
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return [r.pick(ODD_STRINGS), r.int(-5, 5), { a: null }];
    case 8:
      return { url: 'https://example.com/a.png', $gt: 1 };
    case 9:
      return nested(r.int(1, 8), r.pick(ODD_STRINGS));
    default:
      return r.hex(r.int(1, 40));
  }
}

/** Sets `path` (`file.size`, `metadata.<key>`, or a top-level field) on the message. */
function setPath(message: Message, path: string, value: unknown): void {
  const [head, tail] = path.split('.', 2) as [string, string | undefined];
  if (tail === undefined) {
    message[head] = value;
    return;
  }
  const inner = message[head];
  if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
    (inner as Message)[tail] = value;
  } else {
    message[head] = { ...(head === 'file' ? { url: 'https://example.com/a' } : {}), [tail]: value };
  }
}

// ------------------------------------------------------------------ the valid message

function validMessage(r: Random, seed: string, index: number): Message {
  const groupId = r.int(1, 9_999_999);
  const message: Message = {
    key: `fuzz-${seed}-${index}-${r.hex(6)}`,
    from: r.pick(['visitor-1', 'agent-2', 'bot', 'lee@example.com', 'ユーザー']),
    message: r.pick(['hello', '', 'Where is my order #4411?', 'héllo 👋', 'a\nb\tc', '"quoted"']),
    timeStamp: 1_700_000_000_000 + r.int(0, 100_000_000),
    groupId,
    clientGroupId: String(groupId),
    groupName: r.pick(['Conversation', 'Order question', '']),
    receiverConnected: r.chance(0.7),
    receiverLastSeenAtTime: 1_699_000_000_000 + r.int(0, 100_000_000),
  };
  if (r.chance(0.2)) message.to = r.pick(['agent-1', 'kevin']);
  if (r.chance(0.1)) message.conversationId = r.int(1, 1000);
  if (r.chance(0.15)) {
    message.file = {
      name: 'photo.png',
      url: r.pick(['https://example.com/a.png', 'http://localhost:8080/f?x=1']),
      contentType: r.pick(['image/png', 'application/pdf']),
      size: r.int(0, 5_000_000),
    };
  }
  if (r.chance(0.4)) {
    message.metadata = { category: r.pick(['billing', 'sales']), KM_CHAT_CONTEXT: '{"a":1}' };
  }
  if (r.chance(0.2)) message.type = r.int(0, 10); // an undocumented field
  return message;
}

/** The odd but valid shapes real senders use: numeric strings, non-string metadata values. */
function lenient(r: Random, message: Message): void {
  if (r.chance(0.5)) message.timeStamp = String(message.timeStamp);
  if (r.chance(0.5)) message.groupId = ` ${String(message.groupId)} `;
  if (r.chance(0.5)) message.receiverConnected = String(message.receiverConnected);
  if (r.chance(0.5)) message.clientGroupId = Number(message.clientGroupId);
  if (r.chance(0.5)) message.metadata = { n: 7, flag: true, ctx: { a: [1, 'two'] }, gone: null };
  if (r.chance(0.3)) message.to = null;
}

// ------------------------------------------------------------------ mutations

const INVALID_UTF8 = [
  [0x80],
  [0xff],
  [0xc3],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

const CONTENT_TYPES = [
  '',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.kommunicate+json',
  'application/jsonp',
  'application/json;',
  ' application/json',
  'json',
  'application/json, text/plain',
];

interface Mutation {
  readonly name: string;
  readonly weight: number;
  apply(r: Random, draft: Draft): string;
}

const insertAt = (text: string, at: number, piece: string): string =>
  text.slice(0, at) + piece + text.slice(at);

const MUTATIONS: readonly Mutation[] = [
  {
    name: 'swap-type',
    weight: 12,
    apply(r, { message }) {
      const field = r.chance(0.8)
        ? r.pick(FIELDS)
        : `${r.pick(['file', 'metadata'])}.${r.pick(FILE_FIELDS)}`;
      setPath(message, field, randomValue(r));
      return field;
    },
  },
  {
    name: 'drop',
    weight: 4,
    apply(r, { message }) {
      const field = r.pick(['key', 'from', 'message', 'timeStamp', 'file.url']);
      if (field === 'file.url') setPath(message, 'file.name', 'a.png');
      else delete message[field];
      return field;
    },
  },
  {
    name: 'null',
    weight: 3,
    apply(r, { message }) {
      const field = r.pick(FIELDS);
      message[field] = null;
      return field;
    },
  },
  {
    name: 'length-edge',
    weight: 4,
    apply(r, { message }) {
      const [field, limit] = r.pick([
        ['key', 256],
        ['from', 256],
        ['to', 256],
        ['clientGroupId', 256],
        ['groupName', 1024],
        ['message', 65_536],
        ['file.name', 1024],
        ['file.url', 2048],
        ['metadata.k', 16_384],
      ] as const);
      const length = limit + r.int(-1, 1);
      const value = field.endsWith('url')
        ? `https://example.com/${'a'.repeat(length - 20)}`
        : r.pick(['x', 'é', '👋']).repeat(length);
      setPath(message, field, value);
      return field;
    },
  },
  {
    name: 'huge-string',
    weight: 0.5,
    apply(r, { message }) {
      const field = r.pick([...STRING_FIELDS, 'extra', 'metadata.big']);
      setPath(message, field, 'x'.repeat(r.logUniform(10_000, 1_100_000)));
      return field;
    },
  },
  {
    name: 'unknown-fields',
    weight: 4,
    apply(r, { message }) {
      const count = r.chance(0.03) ? r.int(5_000, 60_000) : r.int(1, 40);
      const where = r.pick(['top', 'file', 'metadata']);
      const extra = manyKeys(count, () => (r.chance(0.5) ? r.int(0, 9) : randomValue(r)));
      if (where === 'top') Object.assign(message, extra, { key: message.key });
      else
        setPath(message, where, {
          ...(where === 'file' ? { url: 'https://a.example/b' } : {}),
          ...extra,
        });
      return `${count}@${where}`;
    },
  },
  {
    name: 'deep',
    weight: 3,
    apply(r, { message }) {
      const field = r.pick(['extra', 'metadata', 'file', 'key', 'metadata.ctx']);
      const depth = r.int(5, 60);
      setPath(message, field, nested(depth));
      return `${field}:${depth}`;
    },
  },
  {
    name: 'proto-key',
    weight: 3,
    apply(r, draft) {
      const key = r.pick([
        '"__proto__"',
        '"\\u005f_proto__"',
        '"\\u005F\\u005F\\u0070roto__"',
        '"constructor"',
        '"prototype"',
        '"__proto__ "',
      ]);
      const where = r.pick(['top', 'metadata', 'file']);
      if (where !== 'top') setPath(draft.message, `${where}.placeholder`, 1);
      const target = where === 'top' ? '{' : `"${where}":{`;
      draft.textSteps.push((text) =>
        text.replace(target, `${target}${key}:{"polluted":true,"isAdmin":true},`),
      );
      return `${key}@${where}`;
    },
  },
  {
    name: 'lone-surrogate',
    weight: 4,
    apply(r, { message }) {
      const field = r.pick([...STRING_FIELDS, 'metadata.k', 'file.name', 'file.url', 'extra']);
      const lone = r.pick(['\ud800', '\udfff', '\udbff']);
      setPath(message, field, field === 'file.url' ? `https://example.com/${lone}` : `s${lone}`);
      if (r.chance(0.3)) setPath(message, 'metadata', { [`k${lone}`]: 'v' });
      return field;
    },
  },
  {
    name: 'number',
    weight: 6,
    apply(r, { message }) {
      const field = r.pick(NUMBER_FIELDS);
      const text = r.pick(ODD_NUMBERS);
      setPath(message, field, r.chance(0.7) ? raw(text) : text);
      return `${field}=${text}`;
    },
  },
  {
    name: 'metadata',
    weight: 4,
    apply(r, { message }) {
      const variant = r.int(0, 6);
      const metadata = [
        () => manyKeys(r.int(95, 300), (i) => `v${i}`),
        () => ({ ['k'.repeat(r.int(255, 258))]: 'v' }),
        () => ({ k: 'v'.repeat(r.int(16_383, 16_386)) }),
        () => ['a', 'b'],
        () => 'key=value',
        () => ({ toString: 'a', constructor: 'b', hasOwnProperty: 'c', valueOf: { x: 1 } }),
        () => manyKeys(r.int(1, 100), () => randomValue(r)),
      ][variant]();
      message.metadata = metadata;
      return String(variant);
    },
  },
  {
    name: 'file',
    weight: 4,
    apply(r, { message }) {
      message.file = {
        url: r.pick([
          'https://example.com/a.png',
          'javascript:alert(1)',
          'ftp://example.com/a',
          '//example.com/a',
          '',
          'http://[::1]:8080/a',
          'https://例え.jp/画像.png',
          'https://',
          'data:image/png;base64,AAAA',
        ]),
        size: r.chance(0.5) ? raw(r.pick(ODD_NUMBERS)) : r.int(0, 1000),
        contentType: r.pick(['image/png', '', 'x'.repeat(256), null]),
      };
      return String((message.file as Message).url).slice(0, 20);
    },
  },
  {
    name: 'duplicate-key',
    weight: 2,
    apply(r, draft) {
      const key = r.pick(['key', 'timeStamp', 'metadata']);
      draft.textSteps.push((text) =>
        text.replace(/}\s*$/, `,"${key}":${JSON.stringify(r.pick(ODD_STRINGS))}}`),
      );
      return key;
    },
  },
  {
    name: 'broken-json',
    weight: 5,
    apply(r, draft) {
      const variant = r.pick(['truncate', 'insert', 'trailing', 'not-object', 'bad-escape', 'pad']);
      draft.textSteps.push((text) => {
        switch (variant) {
          case 'truncate':
            return text.slice(0, r.int(0, Math.max(0, text.length - 1)));
          case 'insert':
            return insertAt(
              text,
              r.int(0, text.length),
              r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'x']),
            );
          case 'trailing':
            return text + r.pick([' x', '{}', ',', ']', '\u0000', '// comment']);
          case 'not-object':
            return r.pick([
              'null',
              '[]',
              '[{}]',
              '42',
              '"text"',
              'true',
              '{}',
              '',
              ' ',
              '\n',
              'NaN',
            ]);
          case 'bad-escape':
            return text.replace(
              '"message":"',
              `"message":"${r.pick(['\\x41', '\\u12', '\\', '\\uZZZZ', '\\ud800\\u0041'])}`,
            );
          default:
            return `\ufeff \n\t${text}\r\n `;
        }
      });
      return variant;
    },
  },
  {
    name: 'invalid-utf8',
    weight: 4,
    apply(r, draft) {
      const bytes = Buffer.from(r.pick(INVALID_UTF8));
      draft.byteSteps.push((body) => {
        // Most often inside the text of the message, else anywhere.
        const inText = body.indexOf('"message":"');
        const at = inText >= 0 && r.chance(0.7) ? inText + 11 : r.int(0, body.length);
        return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
      });
      return bytes.toString('hex');
    },
  },
  {
    name: 'encoding',
    weight: 3,
    apply(r, draft) {
      const variant = r.pick(['latin1', 'utf16le', 'utf16le-bom', 'random-bytes', 'empty']);
      draft.message.message = 'café ünïcödé';
      draft.byteSteps.push((body) => {
        const text = body.toString('utf8');
        switch (variant) {
          case 'latin1':
            return Buffer.from(text, 'latin1');
          case 'utf16le':
            return Buffer.from(text, 'utf16le');
          case 'utf16le-bom':
            return Buffer.from(`\ufeff${text}`, 'utf16le');
          case 'random-bytes':
            return Buffer.from(Array.from({ length: r.int(1, 512) }, () => r.int(0, 255)));
          default:
            return Buffer.alloc(0);
        }
      });
      return variant;
    },
  },
  {
    name: 'content-type',
    weight: 4,
    apply(r, draft) {
      const type = r.pick(CONTENT_TYPES);
      draft.headers['content-type'] = type;
      return JSON.stringify(type);
    },
  },
  {
    name: 'content-encoding',
    weight: 3,
    apply(r, draft) {
      const variant = r.pick(['gzip', 'deflate', 'br', 'gzip-label-only', 'identity', 'x-unknown']);
      draft.headers['content-encoding'] = variant === 'gzip-label-only' ? 'gzip' : variant;
      const compress: Record<string, (body: Buffer) => Buffer> = {
        gzip: gzipSync,
        deflate: deflateSync,
        br: brotliCompressSync,
      };
      draft.byteSteps.push((body) => compress[variant]?.(body) ?? body);
      return variant;
    },
  },
  {
    name: 'chunked',
    weight: 2,
    apply(_r, draft) {
      draft.headers['transfer-encoding'] = 'chunked';
      return '';
    },
  },
  {
    name: 'auth',
    weight: 1,
    apply(r, draft) {
      draft.auth = r.pick(['none', 'wrong'] as const);
      return draft.auth;
    },
  },
];

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, mutation) => sum + mutation.weight, 0);

function pickMutation(r: Random): Mutation {
  let at = r.float() * TOTAL_WEIGHT;
  for (const mutation of MUTATIONS) {
    at -= mutation.weight;
    if (at < 0) return mutation;
  }
  return MUTATIONS[MUTATIONS.length - 1];
}

function toJsonText(message: Message): string {
  return JSON.stringify(message).replace(RAW_MARKER, '$1');
}

/** The requests of a run, one at a time (a run of 100,000 never holds them all). */
export function* generateFuzzRequests(
  seed: number | string,
  count: number,
): Generator<FuzzRequest> {
  const r = new Random(`fuzz:${seed}`);
  // Valid bodies sent so far, some of which are sent again as redeliveries.
  const sentValid: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    if (sentValid.length > 0 && r.chance(0.05)) {
      yield {
        index,
        label: 'redelivery',
        auth: 'valid',
        headers: { 'content-type': 'application/json' },
        body: r.pick(sentValid),
      };
      continue;
    }
    const draft: Draft = {
      message: validMessage(r, String(seed), index),
      labels: [],
      auth: 'valid',
      headers: { 'content-type': 'application/json' },
      textSteps: [],
      byteSteps: [],
    };
    if (r.chance(0.15)) {
      if (r.chance(0.4)) {
        lenient(r, draft.message);
        draft.labels.push('lenient');
      }
    } else {
      for (let n = r.int(1, 3); n > 0; n--) {
        const mutation = pickMutation(r);
        const detail = mutation.apply(r, draft);
        draft.labels.push(detail ? `${mutation.name}:${detail}` : mutation.name);
      }
    }
    const text = draft.textSteps.reduce(
      (current, step) => step(current),
      toJsonText(draft.message),
    );
    const body = draft.byteSteps.reduce<Buffer>(
      (current, step) => step(current),
      Buffer.from(text, 'utf8'),
    );
    if (draft.labels.length === 0 || draft.labels[0] === 'lenient') {
      sentValid.push(body);
      if (sentValid.length > 200) sentValid.splice(r.int(0, 199), 1);
    }
    yield {
      index,
      label: draft.labels.join(' + ') || 'valid',
      auth: draft.auth,
      headers: draft.headers,
      body,
    };
  }
}

// ------------------------------------------------------------------ the runner

export interface FuzzTarget {
  /** The webhook's URL, e.g. http://127.0.0.1:3000/message/forward. */
  readonly url: string;
  readonly token: string;
}

export interface FuzzAnswer {
  readonly status: number;
  /** The error code, or `accepted` / `duplicate` for a 200. */
  readonly code: string;
  readonly key?: string;
  readonly text: string;
}

export interface FuzzFailure {
  readonly index: number;
  readonly label: string;
  /** The status, or the network error when there was no answer. */
  readonly outcome: string;
  readonly answer: string;
  /** The start of the body that caused it (JSON-escaped), and its length. */
  readonly body: string;
  readonly bodyBytes: number;
}

export interface FuzzSummary {
  readonly seed: number | string;
  readonly requests: number;
  /** How many answers of each status, and of each `status code`. */
  readonly byStatus: Record<string, number>;
  readonly byCode: Record<string, number>;
  /** The keys answered `accepted`, each once. */
  readonly acceptedKeys: string[];
  /** 5xx answers, requests that got no answer, and 200s that were not accepted/duplicate. */
  readonly failures: FuzzFailure[];
  readonly durationMs: number;
}

export interface FuzzOptions extends FuzzTarget {
  readonly seed: number | string;
  readonly count: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const preview = (body: Buffer): string => JSON.stringify(body.toString('utf8').slice(0, 300));

function authHeader(auth: Auth, token: string): Record<string, string> {
  if (auth === 'none') return {};
  const sent = auth === 'valid' ? token : 'not-the-token-0123456789';
  return { authentication: `Basic ${Buffer.from(sent).toString('base64')}` };
}

/** One request over the agent; resolves with the answer or rejects with a network error. */
function send(
  url: URL,
  agent: Agent,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const chunked = headers['transfer-encoding'] === 'chunked';
    const request = httpRequest(url, {
      method: 'POST',
      agent,
      headers: chunked ? headers : { ...headers, 'content-length': String(body.length) },
      timeout: timeoutMs,
    });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`timeout (${timeoutMs} ms)`)));
    // The server may answer (401, 413) and close before the whole body is written.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.end(body);
  });
}

function codeOf(status: number, text: string): { code: string; key?: string } {
  try {
    const body = JSON.parse(text) as { code?: unknown; status?: unknown; key?: unknown };
    if (status === 200 && (body.status === 'accepted' || body.status === 'duplicate')) {
      return { code: body.status, key: typeof body.key === 'string' ? body.key : undefined };
    }
    return { code: typeof body.code === 'string' ? body.code : '-' };
  } catch {
    return { code: 'not-json' };
  }
}

/** Sends the requests of `seed` and `count` and tells what came back. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const url = new URL(options.url);
  const concurrency = options.concurrency ?? 8;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const byStatus: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  const accepted = new Set<string>();
  const failures: FuzzFailure[] = [];
  const requests = generateFuzzRequests(options.seed, options.count);
  const started = performance.now();
  let done = 0;

  async function worker(): Promise<void> {
    for (let next = requests.next(); !next.done; next = requests.next()) {
      const fuzz = next.value;
      const headers = { ...fuzz.headers, ...authHeader(fuzz.auth, options.token) };
      const failure = (outcome: string, answer: string): FuzzFailure => ({
        index: fuzz.index,
        label: fuzz.label,
        outcome,
        answer: answer.slice(0, 300),
        body: preview(fuzz.body),
        bodyBytes: fuzz.body.length,
      });
      try {
        const { status, text } = await send(url, agent, headers, fuzz.body, timeoutMs);
        const { code, key } = codeOf(status, text);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        byCode[`${status} ${code}`] = (byCode[`${status} ${code}`] ?? 0) + 1;
        if (status >= 500) failures.push(failure(String(status), text));
        else if (status === 200 && key === undefined)
          failures.push(failure('200 unexpected', text));
        else if (code === 'accepted' && key !== undefined) accepted.add(key);
      } catch (error) {
        failures.push(failure('no answer', error instanceof Error ? error.message : String(error)));
      }
      done += 1;
      options.onProgress?.(done, options.count);
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    agent.destroy();
  }
  return {
    seed: options.seed,
    requests: done,
    byStatus,
    byCode,
    acceptedKeys: [...accepted],
    failures,
    durationMs: performance.now() - started,
  };
}

/** GETs every key from the admin API; resolves with those not found as they were accepted. */
export async function unreadableKeys(
  baseUrl: string,
  adminToken: string,
  keys: readonly string[],
  concurrency = 8,
): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const missing: string[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < keys.length) {
      const key = keys[next++];
      let path: string;
      try {
        path = `/api/messages/${encodeURIComponent(key)}`;
      } catch {
        missing.push(key); // a lone surrogate: no URL can name this key
        continue;
      }
      const url = new URL(path, baseUrl);
      const found = await new Promise<boolean>((resolve) => {
        httpRequest(
          url,
          { agent, headers: { authorization: `Bearer ${adminToken}` } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              try {
                const body = JSON.parse(Buffer.concat(chunks).toString()) as {
                  message?: { key?: unknown };
                };
                resolve(response.statusCode === 200 && body.message?.key === key);
              } catch {
                resolve(false);
              }
            });
          },
        )
          .on('error', () => resolve(false))
          .end();
      });
      if (!found) missing.push(key);
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    agent.destroy();
  }
  return missing;
}

/** The summary as text: the histogram, then every failure with the body that caused it. */
export function formatFuzzSummary(summary: FuzzSummary): string {
  const lines = [
    `fuzz: seed ${summary.seed}, ${summary.requests} requests in ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  by status: ${Object.entries(summary.byStatus)
      .map(([status, count]) => `${status}×${count}`)
      .join(', ')}`,
    '  by code:',
    ...Object.entries(summary.byCode)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, count]) => `    ${code.padEnd(40)} ${count}`),
    `  accepted keys: ${summary.acceptedKeys.length}`,
    `  failures (5xx, no answer, odd 200): ${summary.failures.length}`,
  ];
  for (const failure of summary.failures.slice(0, 20)) {
    lines.push(
      `    #${failure.index} ${failure.outcome} [${failure.label}] ${failure.answer}`,
      `      body (${failure.bodyBytes} bytes): ${failure.body}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
