import request from 'supertest';
import { refuseInserts } from './support/store';
import {
  basic,
  createTestApp,
  message,
  removeDataDir,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/test-app';

const PATH = '/message/forward';
const asIs = (body: unknown): string => body as string;

/** No answer may carry a stack frame, a server path or a token. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+/);
  expect(text).not.toContain(process.cwd());
  expect(text).not.toContain('/tmp/');
  expect(text).not.toContain(WEBHOOK_TOKEN);
}

async function countMessages(t: TestApp): Promise<number> {
  const row = await t.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /message/forward: every error of SPEC §2', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { BODY_LIMIT: '4kb', WEBHOOK_TOKENS: `old-token-0123456789,${WEBHOOK_TOKEN}` },
    });
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const post = () => request(t.http).post(PATH);

  describe('401 WEBHOOK.UNAUTHORIZED', () => {
    it.each([
      ['no header', {}],
      ['a wrong token', { Authentication: basic('wrong-token-0123456789') }],
      ['a wrong token in Authorization', { Authorization: basic('wrong-token-0123456789') }],
      ['the right token unencoded', { Authentication: `Basic ${WEBHOOK_TOKEN}` }],
      ['the right token as Bearer', { Authorization: `Bearer ${WEBHOOK_TOKEN}` }],
      ['base64 of user:token', { Authentication: basic(`user:${WEBHOOK_TOKEN}`) }],
    ])('with %s', async (_name, headers: Record<string, string>) => {
      const before = await countMessages(t);
      const response = await post()
        .set(headers)
        .set('Content-Type', 'application/json')
        .send(message())
        .expect(401);

      expect(response.headers['www-authenticate']).toBe('Basic realm="kommhook"');
      expect(response.body).toEqual({
        statusCode: 401,
        code: 'WEBHOOK.UNAUTHORIZED',
        message: expect.any(String) as string,
      });
      expectNoLeak(response.text);
      expect(await countMessages(t)).toBe(before);
    });

    it('is checked before the body: garbage without a token is still 401', async () => {
      await post().set('Content-Type', 'text/plain').send('not json').expect(401);
    });

    it.each([
      ['Authentication', 'Basic'],
      ['Authorization', 'Basic'],
      ['Authentication', 'basic'],
      ['Authorization', 'BASIC'],
    ])('accepts the token in %s with scheme %s', async (header, scheme) => {
      const payload = message();
      await post()
        .set(header, `${scheme} ${Buffer.from(WEBHOOK_TOKEN).toString('base64')}`)
        .set('Content-Type', 'application/json')
        .send(payload)
        .expect(200, { status: 'accepted', key: payload.key });
    });

    it('accepts every active token, for rotation', async () => {
      const payload = message();
      await post()
        .set('Authentication', basic('old-token-0123456789'))
        .set('Content-Type', 'application/json')
        .send(payload)
        .expect(200, { status: 'accepted', key: payload.key });
    });
  });

  const authed = () => post().set('Authentication', basic(WEBHOOK_TOKEN));

  it('415 WEBHOOK.UNSUPPORTED_MEDIA_TYPE for a body that is not declared JSON', async () => {
    const before = await countMessages(t);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await authed()
        .set('Content-Type', type)
        .send(JSON.stringify(message()))
        .expect(415);
      expect(response.body).toMatchObject({
        statusCode: 415,
        code: 'WEBHOOK.UNSUPPORTED_MEDIA_TYPE',
      });
    }
    const none = await authed()
      .send(Buffer.from(JSON.stringify(message())))
      .expect(415);
    expect(none.body).toMatchObject({ code: 'WEBHOOK.UNSUPPORTED_MEDIA_TYPE' });
    expect(await countMessages(t)).toBe(before);
  });

  it('accepts application/json with a charset', async () => {
    const payload = message();
    await authed()
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(payload))
      .expect(200, { status: 'accepted', key: payload.key });
  });

  it.each([
    ['truncated JSON', '{"key": "a", "from": '],
    ['a bare word', 'hello'],
    ['trailing garbage', '{"key":"a"} x'],
    ['an empty body', ''],
    ['single quotes', "{'key': 'a'}"],
  ])('400 WEBHOOK.MALFORMED_JSON for %s', async (_name, body) => {
    const before = await countMessages(t);
    const response = await authed().set('Content-Type', 'application/json').send(body).expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      code: 'WEBHOOK.MALFORMED_JSON',
      message: expect.any(String) as string,
    });
    expectNoLeak(response.text);
    expect(await countMessages(t)).toBe(before);
  });

  it('400 WEBHOOK.MALFORMED_JSON for invalid UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"key":"k-utf8","from":"a","message":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","timeStamp":1}'),
    ]);
    const response = await authed()
      .set('Content-Type', 'application/json')
      .serialize(asIs) // send the bytes, not JSON of a Buffer
      .send(body)
      .expect(400);
    expect(response.body).toMatchObject({ code: 'WEBHOOK.MALFORMED_JSON' });
  });

  it('413 WEBHOOK.PAYLOAD_TOO_LARGE above BODY_LIMIT', async () => {
    const before = await countMessages(t);
    const response = await authed()
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(message({ message: 'x'.repeat(5000) })))
      .expect(413);
    expect(response.body).toEqual({
      statusCode: 413,
      code: 'WEBHOOK.PAYLOAD_TOO_LARGE',
      message: expect.any(String) as string,
    });
    expect(await countMessages(t)).toBe(before);
  });

  it('400 WEBHOOK.INVALID_PAYLOAD with one entry per bad field', async () => {
    const before = await countMessages(t);
    const response = await authed()
      .set('Content-Type', 'application/json')
      .send({
        from: 42,
        message: 'hi',
        timeStamp: 'yesterday',
        groupId: 'abc',
        receiverConnected: 'maybe',
        file: { url: 'ftp://example.com/a.png', size: -1 },
        metadata: ['not', 'an', 'object'],
      })
      .expect(400);

    expect(response.body).toMatchObject({ statusCode: 400, code: 'WEBHOOK.INVALID_PAYLOAD' });
    const errors = (response.body as { errors: { field: string; message: string }[] }).errors;
    expect(errors.map((e) => e.field).sort()).toEqual(
      [
        'file.size',
        'file.url',
        'from',
        'groupId',
        'key',
        'metadata',
        'receiverConnected',
        'timeStamp',
      ].sort(),
    );
    for (const error of errors) expect(error.message.startsWith(`${error.field} `)).toBe(true);
    expect(errors.find((e) => e.field === 'key')?.message).toBe('key is required');
    expect(await countMessages(t)).toBe(before);
  });

  it('429 WEBHOOK.RATE_LIMITED past the per-client limit, with Retry-After', async () => {
    const limited = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i++) await limited.deliver(message()).expect(200);
      const response = await limited.deliver(message()).expect(429);
      expect(response.body).toMatchObject({ statusCode: 429, code: 'WEBHOOK.RATE_LIMITED' });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(await countMessages(limited)).toBe(3);
    } finally {
      await limited.close();
      removeDataDir(limited.dataDir);
    }
  });

  it('503 WEBHOOK.STORE_UNAVAILABLE when the store cannot commit, with nothing half-stored', async () => {
    const broken = await createTestApp();
    try {
      // The message insert fails: nothing of the message (its conversation row) may stay.
      const lift = await refuseInserts(broken.db, 'messages');
      const payload = message({ groupId: 777001 });

      const response = await broken.deliver(payload).expect(503);

      expect(response.body).toEqual({
        statusCode: 503,
        code: 'WEBHOOK.STORE_UNAVAILABLE',
        message: expect.any(String) as string,
      });
      expectNoLeak(response.text);
      expect(response.text).not.toContain('refused by the test');
      const conversations = await broken.db.selectFrom('conversations').selectAll().execute();
      expect(conversations).toEqual([]);

      // Once the store recovers, the sender's retry is accepted.
      await lift();
      await broken.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    } finally {
      await broken.close();
      removeDataDir(broken.dataDir);
    }
  });

  describe('bad input of any shape: a 4xx, never a 5xx, nothing stored', () => {
    const deep = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const cases: [string, string][] = [
      ['a JSON array', '[1,2,3]'],
      ['a JSON string', '"text"'],
      ['null', 'null'],
      [
        'deep nesting in an unknown field',
        JSON.stringify(message()).replace(/}$/, `,"x":${deep(5000)}}`),
      ],
      ['deeply nested arrays', '['.repeat(100000) + ']'.repeat(100000)],
      [
        'a "__proto__" key',
        JSON.stringify(message()).replace(/}$/, ',"__proto__":{"isAdmin":true}}'),
      ],
      [
        'an escaped "__proto__" key',
        JSON.stringify(message()).replace(/}$/, ',"\\u005f_proto__":{"x":1}}'),
      ],
      [
        'a "__proto__" key in metadata',
        JSON.stringify(message()).replace(/}$/, ',"metadata":{"__proto__":"x"}}'),
      ],
      ['a huge text', JSON.stringify(message({ message: 'x'.repeat(70000) }))],
      ['a huge key', JSON.stringify(message({ key: 'k'.repeat(1000) }))],
      [
        'too many metadata entries',
        JSON.stringify(
          message({
            metadata: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, 'v'])),
          }),
        ),
      ],
      ['a file that is a string', JSON.stringify(message({ file: 'a.png' }))],
      ['a file that is an array', JSON.stringify(message({ file: [{ url: 'https://x.test/a' }] }))],
      ['a file without url', JSON.stringify(message({ file: { name: 'a.png' } }))],
      ['timeStamp as an object', JSON.stringify(message({ timeStamp: { $gt: 1 } }))],
      ['timeStamp negative', JSON.stringify(message({ timeStamp: -5 }))],
      ['timeStamp as a float', JSON.stringify(message({ timeStamp: 1.5 }))],
      [
        'timeStamp beyond safe integers',
        JSON.stringify(message({ timeStamp: '99999999999999999999' })),
      ],
      ['key as an array', JSON.stringify(message({ key: ['a'] }))],
      ['key empty', JSON.stringify(message({ key: '' }))],
      ['from null', JSON.stringify(message({ from: null }))],
      ['message missing', JSON.stringify({ key: 'no-text', from: 'a', timeStamp: 1 })],
      ['groupId as a float string', JSON.stringify(message({ groupId: '12.5' }))],
      ['a NUL-laden key', JSON.stringify(message({ key: 'a\u0000'.repeat(300) }))],
    ];

    it.each(cases)('%s', async (_name, body) => {
      const before = await countMessages(t);
      const response = await authed().set('Content-Type', 'application/json').send(body);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(typeof (response.body as { code?: unknown }).code).toBe('string');
      expectNoLeak(response.text);
      expect(await countMessages(t)).toBe(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('the service still answers after all of them', async () => {
      const payload = message();
      await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    });
  });

  it('explicit nulls in optional fields are treated as absent', async () => {
    const payload = message({
      to: null,
      groupName: null,
      file: null,
      metadata: null,
      receiverConnected: null,
    });
    await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
  });

  it('unknown routes answer a coded 404', async () => {
    const response = await request(t.http).get('/nope').expect(404);
    expect(response.body).toEqual({
      statusCode: 404,
      code: 'HTTP.NOT_FOUND',
      message: 'No such route.',
    });
  });
});
