import type { AddressInfo } from 'node:net';
import { rawExchange, RawExchange, sendBody } from './support/raw-http';
import {
  basic,
  createTestApp,
  message,
  removeDataDir,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/test-app';

jest.setTimeout(60_000);

const PATH = '/message/forward';
const CHUNK = Buffer.alloc(62_500, 'x');
const MB = 1024 * 1024;

/** Every exchange a test opened, closed after it whatever happened. */
const opened: RawExchange[] = [];
const open = (...args: Parameters<typeof rawExchange>): RawExchange => {
  const exchange = rawExchange(...args);
  opened.push(exchange);
  return exchange;
};

const closeOpened = (): void => {
  for (const exchange of opened.splice(0)) exchange.socket.destroy();
};

afterEach(closeOpened);

const head = (lines: string[]): string =>
  [`POST ${PATH} HTTP/1.1`, 'Host: 127.0.0.1', ...lines].join('\r\n');

async function listen(t: TestApp): Promise<number> {
  await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
  return (t.http.address() as AddressInfo).port;
}

async function countMessages(t: TestApp): Promise<number> {
  const row = await t.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function expectClosingAnswer(answer: Awaited<RawExchange['answer']>, code: string): void {
  expect(answer.headers.connection).toBe('close');
  expect(JSON.parse(answer.body)).toMatchObject({ code });
}

describe('cheap rejections come first: token and rate are judged from the headers alone', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT: '64kb' } });
    port = await listen(t);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('401 while the body is still on its way, and the connection is closed after it', async () => {
    const exchange = open(
      port,
      head(['Content-Type: application/json', 'Content-Length: 1000000']),
    );
    exchange.socket.write(CHUNK.subarray(0, 1000)); // and never the rest
    const answer = await exchange.answer;
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic realm="kommhook"');
    expectClosingAnswer(answer, 'WEBHOOK.UNAUTHORIZED');
    await exchange.serverClosed;
  });

  it('401, not 413, for Content-Length: 10000000000 without a token', async () => {
    const exchange = open(
      port,
      head(['Content-Type: application/json', 'Content-Length: 10000000000']),
    );
    const answer = await exchange.answer;
    expect(answer.status).toBe(401);
    expectClosingAnswer(answer, 'WEBHOOK.UNAUTHORIZED');
  });

  it('413 for Content-Length: 10000000000 with a valid token, before a byte is read', async () => {
    const before = await countMessages(t);
    const exchange = open(
      port,
      head([
        `Authentication: ${basic(WEBHOOK_TOKEN)}`,
        'Content-Type: application/json',
        'Content-Length: 10000000000',
      ]),
    );
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expectClosingAnswer(answer, 'WEBHOOK.PAYLOAD_TOO_LARGE');
    expect(await countMessages(t)).toBe(before);
  });

  it('413 as soon as a chunked body grows past BODY_LIMIT, though the body never ends', async () => {
    const exchange = open(
      port,
      head([
        `Authentication: ${basic(WEBHOOK_TOKEN)}`,
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ]),
    );
    const chunk = CHUNK.subarray(0, 16 * 1024);
    // 80 KB of a 64 KB limit, and no terminating chunk: only a streaming check can answer.
    for (let i = 0; i < 5; i++) exchange.socket.write(`4000\r\n${chunk.toString()}\r\n`);
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expectClosingAnswer(answer, 'WEBHOOK.PAYLOAD_TOO_LARGE');
    await exchange.serverClosed;
  });

  it('a client that keeps sending as fast as it can receives the whole answer, and no reset', async () => {
    const exchange = open(
      port,
      head(['Content-Type: application/json', 'Content-Length: 10000000000']),
    );
    const sending = sendBody(exchange.socket, CHUNK, 16 * MB, 0);
    const answer = await exchange.answer;
    expect(answer.status).toBe(401);
    expectClosingAnswer(answer, 'WEBHOOK.UNAUTHORIZED');
    // The server ends its side at once, and keeps discarding what still comes for a while:
    // closing outright would answer those bytes with a reset (EPIPE/ECONNRESET here).
    await exchange.serverClosed;
    expect(await sending).toBe(16 * MB);
    expect(exchange.errors).toEqual([]);
  });

  it('an error answered after the whole body was read keeps the connection alive', async () => {
    const body = '{"key": "a", "from": ';
    const exchange = open(
      port,
      head([
        `Authentication: ${basic(WEBHOOK_TOKEN)}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
      ]),
      { body },
    );
    const answer = await exchange.answer;
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('keep-alive');
  });
});

describe('a rate-limited sender is answered from its headers too', () => {
  it('429 with Content-Length: 10000000000 and a valid token, promptly', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      const port = await listen(t);
      await t.deliver(message()).expect(200);
      const exchange = open(
        port,
        head([
          `Authentication: ${basic(WEBHOOK_TOKEN)}`,
          'Content-Type: application/json',
          'Content-Length: 10000000000',
        ]),
      );
      const answer = await exchange.answer;
      expect(answer.status).toBe(429);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expectClosingAnswer(answer, 'WEBHOOK.RATE_LIMITED');
    } finally {
      closeOpened();
      await t.close();
      removeDataDir(t.dataDir);
    }
  });
});

describe('memory stays bounded under slow bodies without a token', () => {
  const CONNECTIONS = 400;
  const DECLARED = 1_000_000;
  const SENT = 999_999;

  it(`${CONNECTIONS} connections each declaring ${DECLARED} bytes and sending ${SENT} slowly`, async () => {
    const t = await createTestApp();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 25);
    try {
      const port = await listen(t);

      const results = await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          const exchange = open(
            port,
            head(['Content-Type: application/json', `Content-Length: ${DECLARED}`]),
            { timeoutMs: 20_000 },
          );
          // 16 pieces of 62.5 kB, 25 ms apart; whatever the server still takes.
          const [answer, sent] = await Promise.all([
            exchange.answer,
            sendBody(exchange.socket, CHUNK, SENT, 25),
          ]);
          return { status: answer.status, connection: answer.headers.connection, sent };
        }),
      );
      const rssAfter = process.memoryUsage().rss;

      const totalSent = results.reduce((sum, result) => sum + result.sent, 0);
      console.log(
        `slow-body flood: ${CONNECTIONS} connections, ${(totalSent / MB).toFixed(0)} MB sent; ` +
          `RSS before ${(rssBefore / MB).toFixed(0)} MB, peak ${(rssPeak / MB).toFixed(0)} MB, ` +
          `after ${(rssAfter / MB).toFixed(0)} MB`,
      );
      expect(results.map((result) => result.status)).toEqual(Array(CONNECTIONS).fill(401));
      expect(results.every((result) => result.connection === 'close')).toBe(true);
      // Buffering the bodies would take about 400 MB.
      expect(rssPeak - rssBefore).toBeLessThan(100 * MB);
      expect(await countMessages(t)).toBe(0);
    } finally {
      clearInterval(sampler);
      closeOpened();
      await t.close();
      removeDataDir(t.dataDir);
    }
  });
});
