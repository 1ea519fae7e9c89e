import { PermanentDeliveryError, RetryAfterError } from '../../src/delivery';
import { statusOf } from '../../src/notifications/channels/channel-errors';
import {
  WebhookChannel,
  type WebhookChannelDto,
} from '../../src/notifications/channels/webhook.channel';
import {
  configWith,
  context,
  DELIVERY_ID,
  expectRetryable,
  failureOf,
} from '../support/channel-kit';
import { HttpRecorder } from '../support/http-recorder';
import { closedPort } from '../support/tcp';

// The webhook channel against a real server on 127.0.0.1: what goes on the
// wire, and how each kind of failure is classified for the delivery queue.

const HEADER_SECRET = 'header-token-SECRET-17';
const PATH = '/hooks/secret-path-segment?token=query-SECRET-3';

describe('webhook channel', () => {
  let sink: HttpRecorder;
  const channel = new WebhookChannel(configWith());
  const rule = (overrides: Partial<WebhookChannelDto> = {}): WebhookChannelDto => ({
    channel: 'webhook',
    url: `${sink.url}${PATH}`,
    headers: { Authorization: `Bearer ${HEADER_SECRET}`, 'X-Team': 'support' },
    ...overrides,
  });

  beforeAll(async () => {
    sink = await HttpRecorder.start();
  });
  afterAll(async () => {
    await sink.stop();
  });
  beforeEach(() => {
    sink.reset();
    sink.reply = () => ({ status: 204 });
  });

  /** No error message may repeat the path, the query or a header. */
  function expectNoSecrets(error: Error): void {
    for (const secret of ['secret-path-segment', 'query-SECRET-3', HEADER_SECRET, '/hooks']) {
      expect(error.message).not.toContain(secret);
    }
  }

  it('POSTs the message as JSON with the rule headers and an Idempotency-Key', async () => {
    const file = {
      name: 'photo.png',
      url: 'https://files.example/photo.png',
      contentType: 'image/png',
      size: 2048,
      thumbnailUrl: null,
    };
    expect(channel.type).toBe('webhook');
    // The far side's status is what the notification log records.
    expect(await channel.send(rule(), context({ file }))).toBe(204);

    expect(sink.requests).toHaveLength(1);
    const [request] = sink.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(PATH);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('kommhook');
    expect(request.headers['idempotency-key']).toBe(DELIVERY_ID);
    expect(request.headers.authorization).toBe(`Bearer ${HEADER_SECRET}`);
    expect(request.headers['x-team']).toBe('support');
    expect(JSON.parse(request.text)).toEqual({
      event: 'message.received',
      rule: 'offline-alert',
      key: 'msg-5150-1',
      conversation: 'group:5150',
      from: 'visitor-9',
      text: 'anyone there?',
      receivedAt: '2025-03-04T05:06:07.089Z',
      metadata: { source: 'web' },
      file,
    });
  });

  it('sends file: null without an attachment, and a rule cannot replace the Idempotency-Key', async () => {
    await channel.send(
      rule({ headers: { 'idempotency-key': 'theirs' } }),
      context({ conversationKey: null }),
    );
    const [request] = sink.requests;
    expect(request.headers['idempotency-key']).toBe(DELIVERY_ID);
    expect(JSON.parse(request.text)).toMatchObject({ conversation: null, file: null });
  });

  it('a 400 is permanent, with status 400', async () => {
    sink.reply = () => ({ status: 400, body: 'bad request' });
    const error = await failureOf(channel.send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).not.toBeInstanceOf(RetryAfterError);
    expect(statusOf(error)).toBe(400);
    expect(error.message).toBe(`webhook ${sink.host}: answered 400`);
    expectNoSecrets(error);
  });

  it('a 500 is retryable, with status 500', async () => {
    sink.reply = () => ({ status: 500 });
    const error = await failureOf(channel.send(rule(), context()));
    expectRetryable(error, 500);
    expect(error.message).toBe(`webhook ${sink.host}: answered 500`);
    expectNoSecrets(error);
  });

  it('a 408, and a 429 without Retry-After, are retryable', async () => {
    sink.reply = () => ({ status: 408 });
    expectRetryable(await failureOf(channel.send(rule(), context())), 408);
    sink.reply = () => ({ status: 429 });
    expectRetryable(await failureOf(channel.send(rule(), context())), 429);
  });

  it('a 429 with Retry-After in seconds says when to come back', async () => {
    sink.reply = () => ({ status: 429, headers: { 'Retry-After': '2' } });
    const before = Date.now();
    const error = await failureOf(channel.send(rule(), context()));
    expect(error).toBeInstanceOf(RetryAfterError);
    expect(statusOf(error)).toBe(429);
    const { retryAt } = error as RetryAfterError;
    expect(retryAt).toBeGreaterThanOrEqual(before + 2000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 2000);
    expectNoSecrets(error);
  });

  it('a 503 with Retry-After as an HTTP date says when to come back', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 90_000);
    sink.reply = () => ({ status: 503, headers: { 'Retry-After': at.toUTCString() } });
    const error = await failureOf(channel.send(rule(), context()));
    expect(error).toBeInstanceOf(RetryAfterError);
    expect(statusOf(error)).toBe(503);
    expect((error as RetryAfterError).retryAt).toBe(at.getTime());
  });

  it('a 503 with an unreadable Retry-After is just retryable', async () => {
    sink.reply = () => ({ status: 503, headers: { 'Retry-After': 'soon' } });
    expectRetryable(await failureOf(channel.send(rule(), context())), 503);
  });

  it('a server that never answers times out: retryable, no status', async () => {
    sink.reply = () => null;
    const error = await failureOf(channel.send(rule({ timeoutMs: 200 }), context()));
    expectRetryable(error, null);
    expect(error.message).toBe(`webhook ${sink.host}: timed out after 200 ms`);
  });

  it('a redirect is not followed and is retryable', async () => {
    sink.reply = () => ({ status: 302, headers: { Location: '/elsewhere' } });
    const error = await failureOf(channel.send(rule(), context()));
    expectRetryable(error, null);
    expect(error.message).toContain('redirect');
    expect(sink.requests).toHaveLength(1);
  });

  it('a refused connection is retryable, no status', async () => {
    const port = await closedPort();
    const error = await failureOf(
      channel.send(rule({ url: `http://127.0.0.1:${port}${PATH}` }), context()),
    );
    expectRetryable(error, null);
    expect(error.message).toBe(`webhook 127.0.0.1:${port}: request failed (ECONNREFUSED)`);
  });

  it('an invalid header value is permanent and not repeated', async () => {
    const error = await failureOf(
      channel.send(rule({ headers: { 'X-Token': `${HEADER_SECRET}\nInjected: 1` } }), context()),
    );
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(`webhook ${sink.host}: header "X-Token" is not valid`);
    expectNoSecrets(error);
    expect(sink.requests).toHaveLength(0);
  });
});
