import { ConfigService } from '@nestjs/config';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { AllConfig } from '../src/config/all-config';
import { PermanentDeliveryError, RetryAfterError } from '../src/delivery';
import { ChannelError, statusOf } from '../src/notifications/channels/channel-errors';
import { EmailChannel, type EmailChannelDto } from '../src/notifications/channels/email.channel';
import {
  KOMMHOOK_REPLY_MARKER,
  KommunicateReplyChannel,
  type KommunicateReplyChannelDto,
} from '../src/notifications/channels/kommunicate-reply.channel';
import type { NotificationContext } from '../src/notifications/channels/notification-channel';
import { SlackChannel, type SlackChannelDto } from '../src/notifications/channels/slack.channel';
import {
  WebhookChannel,
  type WebhookChannelDto,
} from '../src/notifications/channels/webhook.channel';
import { MessageReceivedEvent, type ReceivedMessage } from '../src/messages';

// Channel by channel against real servers on 127.0.0.1: what goes on the wire,
// and how each kind of failure is classified for the delivery queue.

const API_KEY = 'kommunicate-api-key-SECRET-42';
const HEADER_SECRET = 'header-token-SECRET-17';
const SMTP_USER = 'smtp-user-7';
const SMTP_PASSWORD = 'smtp-pass-SECRET-99';
const DELIVERY_ID = '0b5e4b8c-3f0a-5d5e-9a3c-6c1f2e7d8a90';
const RECEIVED_AT = new Date('2025-03-04T05:06:07.089Z');

const baseMessage: ReceivedMessage = {
  key: 'msg-5150-1',
  from: 'visitor-9',
  to: 'agent-1',
  text: 'anyone there?',
  timeStamp: 1741064767000,
  receivedAt: RECEIVED_AT,
  conversationKey: 'group:5150',
  groupId: 5150,
  clientGroupId: null,
  groupName: 'Support',
  conversationId: 77,
  receiverConnected: false,
  receiverLastSeenAtTime: null,
  file: null,
  metadata: { source: 'web' },
};

function context(message: Partial<ReceivedMessage> = {}): NotificationContext {
  return {
    rule: 'offline-alert',
    event: new MessageReceivedEvent({ ...baseMessage, ...message }),
    deliveryId: DELIVERY_ID,
  };
}

function configWith(overrides: Partial<AllConfig['notifications']> = {}) {
  const notifications: AllConfig['notifications'] = {
    rulesFile: undefined,
    webhookUrl: undefined,
    timeoutMs: 2000,
    smtpUrl: undefined,
    emailFrom: 'kommhook <kommhook@localhost>',
    kommunicate: { apiUrl: 'http://127.0.0.1:9', apiKey: API_KEY, replyUser: 'kommhook-bot' },
    ...overrides,
  };
  return new ConfigService<AllConfig, true>({ notifications });
}

/** The error a send rejected with; fails the test when it resolved. */
async function failureOf(sending: Promise<unknown>): Promise<Error> {
  try {
    await sending;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the send to fail, it succeeded');
}

/** Retryable: neither permanent nor told when to come back. */
function expectRetryable(error: Error, status: number | null): void {
  expect(error).toBeInstanceOf(ChannelError);
  expect(error).not.toBeInstanceOf(PermanentDeliveryError);
  expect(error).not.toBeInstanceOf(RetryAfterError);
  expect(statusOf(error)).toBe(status);
}

// ---------------------------------------------------------------- HTTP sink

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface HttpSink {
  server: Server;
  base: string;
  host: string;
  received: Recorded[];
  /** How the next requests are answered; reset before each test. */
  reply: (res: ServerResponse) => void;
}

const answer204 = (res: ServerResponse): void => {
  res.writeHead(204).end();
};

async function startHttpSink(): Promise<HttpSink> {
  const sink: HttpSink = {
    server: createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        sink.received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        sink.reply(res);
      });
    }),
    base: '',
    host: '',
    received: [],
    reply: answer204,
  };
  await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
  const { port } = sink.server.address() as AddressInfo;
  sink.host = `127.0.0.1:${port}`;
  sink.base = `http://${sink.host}`;
  return sink;
}

async function stopHttpSink(sink: HttpSink): Promise<void> {
  // The never-answering test leaves requests open; close() alone would wait for them.
  sink.server.closeAllConnections();
  await new Promise<void>((resolve) => sink.server.close(() => resolve()));
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------- webhook

describe('channels over HTTP', () => {
  let sink: HttpSink;

  beforeAll(async () => {
    sink = await startHttpSink();
  });
  afterAll(async () => {
    await stopHttpSink(sink);
  });
  beforeEach(() => {
    sink.received.length = 0;
    sink.reply = answer204;
  });

  describe('webhook', () => {
    const channel = new WebhookChannel(configWith());
    const PATH = '/hooks/secret-path-segment?token=query-SECRET-3';
    const rule = (overrides: Partial<WebhookChannelDto> = {}): WebhookChannelDto => ({
      channel: 'webhook',
      url: `${sink.base}${PATH}`,
      headers: { Authorization: `Bearer ${HEADER_SECRET}`, 'X-Team': 'support' },
      ...overrides,
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

      expect(sink.received).toHaveLength(1);
      const [request] = sink.received;
      expect(request.method).toBe('POST');
      expect(request.url).toBe(PATH);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe('kommhook');
      expect(request.headers['idempotency-key']).toBe(DELIVERY_ID);
      expect(request.headers.authorization).toBe(`Bearer ${HEADER_SECRET}`);
      expect(request.headers['x-team']).toBe('support');
      expect(JSON.parse(request.body)).toEqual({
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
      const [request] = sink.received;
      expect(request.headers['idempotency-key']).toBe(DELIVERY_ID);
      expect(JSON.parse(request.body)).toMatchObject({ conversation: null, file: null });
    });

    it('a 400 is permanent, with status 400', async () => {
      sink.reply = (res) => res.writeHead(400).end('bad request');
      const error = await failureOf(channel.send(rule(), context()));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error).not.toBeInstanceOf(RetryAfterError);
      expect(statusOf(error)).toBe(400);
      expect(error.message).toBe(`webhook ${sink.host}: answered 400`);
      expectNoSecrets(error);
    });

    it('a 500 is retryable, with status 500', async () => {
      sink.reply = (res) => res.writeHead(500).end();
      const error = await failureOf(channel.send(rule(), context()));
      expectRetryable(error, 500);
      expect(error.message).toBe(`webhook ${sink.host}: answered 500`);
      expectNoSecrets(error);
    });

    it('a 408, and a 429 without Retry-After, are retryable', async () => {
      sink.reply = (res) => res.writeHead(408).end();
      expectRetryable(await failureOf(channel.send(rule(), context())), 408);
      sink.reply = (res) => res.writeHead(429).end();
      expectRetryable(await failureOf(channel.send(rule(), context())), 429);
    });

    it('a 429 with Retry-After in seconds says when to come back', async () => {
      sink.reply = (res) => res.writeHead(429, { 'Retry-After': '2' }).end();
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
      sink.reply = (res) => res.writeHead(503, { 'Retry-After': at.toUTCString() }).end();
      const error = await failureOf(channel.send(rule(), context()));
      expect(error).toBeInstanceOf(RetryAfterError);
      expect(statusOf(error)).toBe(503);
      expect((error as RetryAfterError).retryAt).toBe(at.getTime());
    });

    it('a 503 with an unreadable Retry-After is just retryable', async () => {
      sink.reply = (res) => res.writeHead(503, { 'Retry-After': 'soon' }).end();
      expectRetryable(await failureOf(channel.send(rule(), context())), 503);
    });

    it('a server that never answers times out: retryable, no status', async () => {
      sink.reply = () => undefined;
      const error = await failureOf(channel.send(rule({ timeoutMs: 200 }), context()));
      expectRetryable(error, null);
      expect(error.message).toBe(`webhook ${sink.host}: timed out after 200 ms`);
    });

    it('a redirect is not followed and is retryable', async () => {
      sink.reply = (res) => res.writeHead(302, { Location: '/elsewhere' }).end();
      const error = await failureOf(channel.send(rule(), context()));
      expectRetryable(error, null);
      expect(error.message).toContain('redirect');
      expect(sink.received).toHaveLength(1);
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
      expect(sink.received).toHaveLength(0);
    });
  });

  // -------------------------------------------------------------- slack

  describe('slack', () => {
    const channel = new SlackChannel(configWith());
    const PATH = '/services/T000/B000/slack-hook-SECRET';
    const rule = (overrides: Partial<SlackChannelDto> = {}): SlackChannelDto => ({
      channel: 'slack',
      url: `${sink.base}${PATH}`,
      ...overrides,
    });

    it('POSTs the default text and blocks, every value escaped for mrkdwn', async () => {
      expect(channel.type).toBe('slack');
      sink.reply = (res) => res.writeHead(200).end('ok');
      const status = await channel.send(
        rule(),
        context({ from: 'eve <x>', text: 'hi <!channel> & <b>', conversationKey: 'group:5150' }),
      );
      expect(status).toBe(200);
      expect(sink.received).toHaveLength(1);
      const [request] = sink.received;
      expect(request.method).toBe('POST');
      expect(request.url).toBe(PATH);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['idempotency-key']).toBeUndefined();
      expect(JSON.parse(request.body)).toEqual({
        text: 'New message from eve &lt;x&gt; in group:5150: hi &lt;!channel&gt; &amp; &lt;b&gt;',
        blocks: [
          {
            type: 'section',
            fields: [
              { type: 'mrkdwn', text: '*From*\neve &lt;x&gt;' },
              { type: 'mrkdwn', text: '*Conversation*\ngroup:5150' },
            ],
          },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: 'hi &lt;!channel&gt; &amp; &lt;b&gt;' },
          },
        ],
      });
    });

    it('uses the rule template, and leaves the text block out when there is no text', async () => {
      await channel.send(
        rule({ template: '{{rule}}: {{metadata.source}} / {{groupName}} {{text}}' }),
        context({ text: '' }),
      );
      expect(JSON.parse(sink.received[0].body)).toEqual({
        text: 'offline-alert: web / Support ',
        blocks: [
          {
            type: 'section',
            fields: [
              { type: 'mrkdwn', text: '*From*\nvisitor-9' },
              { type: 'mrkdwn', text: '*Conversation*\ngroup:5150' },
            ],
          },
        ],
      });
    });

    it('cuts an over-long text to what Slack accepts', async () => {
      await channel.send(rule(), context({ text: '&'.repeat(5000) }));
      const body = JSON.parse(sink.received[0].body) as { blocks: { text?: { text: string } }[] };
      const text = body.blocks[1].text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
      expect(text).toMatch(/^(&amp;)+…$/);
    });

    it('errors name the host, never the hook path', async () => {
      sink.reply = (res) => res.writeHead(404).end('no_service');
      const error = await failureOf(channel.send(rule(), context()));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(statusOf(error)).toBe(404);
      expect(error.message).toBe(`slack ${sink.host}: answered 404`);
      expect(error.message).not.toContain('SECRET');
    });
  });

  // -------------------------------------------------------------- kommunicate-reply

  describe('kommunicate-reply', () => {
    const channelWith = (kommunicate: Partial<AllConfig['notifications']['kommunicate']> = {}) =>
      new KommunicateReplyChannel(
        configWith({
          kommunicate: {
            apiUrl: sink.base,
            apiKey: API_KEY,
            replyUser: 'kommhook-bot',
            ...kommunicate,
          },
        }),
      );
    const rule = (
      overrides: Partial<KommunicateReplyChannelDto> = {},
    ): KommunicateReplyChannelDto => ({
      channel: 'kommunicate-reply',
      template: 'Thanks {{from}}, we reply within a day. <b>{{text}}</b> & more',
      ...overrides,
    });

    it('POSTs the rendered reply to the send API, marked as kommhook’s own', async () => {
      const channel = channelWith();
      expect(channel.type).toBe('kommunicate-reply');
      expect(KOMMHOOK_REPLY_MARKER).toBe('KOMMHOOK_REPLY');
      sink.reply = (res) => res.writeHead(201).end('{"status":"success"}');
      expect(await channel.send(rule(), context({ text: 'a "quote" & <tag>' }))).toBe(201);

      expect(sink.received).toHaveLength(1);
      const [request] = sink.received;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/rest/ws/message/v2/send');
      expect(request.headers['api-key']).toBe(API_KEY);
      // Set once, not doubled with the default.
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual({
        groupId: '5150',
        message: 'Thanks visitor-9, we reply within a day. <b>a "quote" & <tag></b> & more',
        fromUserName: 'kommhook-bot',
        metadata: { KOMMHOOK_REPLY: 'true' },
      });
    });

    it('sends as the rule’s fromUserName when set', async () => {
      await channelWith().send(rule({ fromUserName: 'night-shift' }), context());
      expect(JSON.parse(sink.received[0].body)).toMatchObject({ fromUserName: 'night-shift' });
    });

    it('a message without groupId is permanent, nothing is sent', async () => {
      const error = await failureOf(channelWith().send(rule(), context({ groupId: null })));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe('the message has no groupId to reply in');
      expect(sink.received).toHaveLength(0);
    });

    it('no API key is permanent, nothing is sent', async () => {
      const error = await failureOf(channelWith({ apiKey: undefined }).send(rule(), context()));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe('KOMMUNICATE_API_KEY is not set');
      expect(sink.received).toHaveLength(0);
    });

    it('a 401 is permanent and its message holds no API key', async () => {
      sink.reply = (res) => res.writeHead(401).end(`bad key ${API_KEY}`);
      const error = await failureOf(channelWith().send(rule(), context()));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(statusOf(error)).toBe(401);
      expect(error.message).toBe(`kommunicate ${sink.host}: answered 401`);
      expect(error.message).not.toContain(API_KEY);
    });

    it('a 502 is retryable', async () => {
      sink.reply = (res) => res.writeHead(502).end();
      expectRetryable(await failureOf(channelWith().send(rule(), context())), 502);
    });
  });
});

// ---------------------------------------------------------------- e-mail

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

interface MimePart {
  headers: Map<string, string>;
  body: string;
}

/** Headers (unfolded, names lower-cased) and the body after the first blank line. */
function parsePart(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** Just enough MIME for nodemailer's output: one multipart level, 7bit, QP or base64. */
function parseMail(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const message = parsePart(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(message.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error('expected a multipart message');
  const parts = message.body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => parsePart(part.replace(/^\r\n/, '')));
  const decoded = (type: string): string => {
    const part = parts.find((p) => (p.headers.get('content-type') ?? '').startsWith(type));
    if (!part) throw new Error(`no ${type} part`);
    const body = part.body.replace(/\r\n$/, '');
    switch (part.headers.get('content-transfer-encoding')) {
      case 'base64':
        return Buffer.from(body, 'base64').toString('utf8');
      case 'quoted-printable':
        return Buffer.from(
          body
            .replace(/=\r\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8');
      default:
        return body;
    }
  };
  return { headers: message.headers, text: decoded('text/plain'), html: decoded('text/html') };
}

describe('email', () => {
  const mails: ReceivedMail[] = [];
  /** The RCPT TO answer; null accepts. */
  let rejectRecipient: ((address: SMTPServerAddress) => Error | null) | null = null;
  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onRcptTo: (address, _session, callback) => callback(rejectRecipient?.(address) ?? null),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        mails.push({
          from: from === false ? '' : from.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  /** Accepts connections and never says a word: the greeting times out. */
  const silentSockets = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  let smtpUrl = '';
  let smtpHost = '';
  let silentPort = 0;
  const channels: EmailChannel[] = [];

  function channelWith(overrides: Partial<AllConfig['notifications']> = {}): EmailChannel {
    const channel = new EmailChannel(configWith({ smtpUrl, ...overrides }));
    channels.push(channel);
    return channel;
  }

  const rule = (overrides: Partial<EmailChannelDto> = {}): EmailChannelDto => ({
    channel: 'email',
    to: ['agent@example.test', 'lead@example.test'],
    ...overrides,
  });

  const rejectWith = (code: number, text: string) => (): Error =>
    Object.assign(new Error(text), { responseCode: code });

  beforeAll(async () => {
    const server = smtp.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    smtpHost = `127.0.0.1:${port}`;
    smtpUrl = `smtp://${SMTP_USER}:${SMTP_PASSWORD}@${smtpHost}`;
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const channel of channels) channel.onApplicationShutdown();
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(resolve));
  });

  beforeEach(() => {
    mails.length = 0;
    rejectRecipient = null;
  });

  /** No error message may hold the SMTP URL or its credentials. */
  function expectNoSecrets(error: Error): void {
    for (const secret of ['smtp://', SMTP_USER, SMTP_PASSWORD]) {
      expect(error.message).not.toContain(secret);
    }
  }

  it('sends a text and an HTML part, the HTML escaped', async () => {
    const channel = channelWith();
    expect(channel.type).toBe('email');
    // The code of the server's reply to the message data.
    expect(await channel.send(rule(), context({ text: 'look: <b>&"' }))).toBe(250);

    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail.from).toBe('kommhook@localhost');
    expect(mail.to).toEqual(['agent@example.test', 'lead@example.test']);
    const { headers, text, html } = parseMail(mail.raw);
    expect(headers.get('subject')).toBe('New message from visitor-9');
    expect(headers.get('from')).toBe('kommhook <kommhook@localhost>');
    expect(headers.get('to')).toBe('agent@example.test, lead@example.test');
    expect(headers.get('message-id')).toBe(`<${DELIVERY_ID}@kommhook>`);
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative;/);
    expect(text).toBe(
      'From: visitor-9\nConversation: group:5150\nReceived: 2025-03-04T05:06:07.089Z\n\nlook: <b>&"'
        .split('\n')
        .join('\r\n'),
    );
    expect(html).toContain('<!DOCTYPE html>');
    expect(html).toContain('From: visitor-9<br>');
    expect(html).toContain('look: &lt;b&gt;&amp;&quot;');
    expect(html).not.toContain('<b>');
  });

  it('uses the rule from, subject and template; a CR/LF cannot add a header', async () => {
    await channelWith().send(
      rule({
        to: ['night@example.test'],
        from: 'Alerts <alerts@example.test>',
        subject: '[{{rule}}] {{text}}',
        template: 'Said <{{from}}>:\n{{text}}',
      }),
      context({ text: 'urgent\r\nBcc: victim@example.test' }),
    );
    const [mail] = mails;
    expect(mail.from).toBe('alerts@example.test');
    expect(mail.to).toEqual(['night@example.test']);
    const { headers, text, html } = parseMail(mail.raw);
    expect(headers.get('subject')).toBe('[offline-alert] urgent Bcc: victim@example.test');
    expect(headers.has('bcc')).toBe(false);
    expect(headers.get('from')).toBe('Alerts <alerts@example.test>');
    expect(text).toBe('Said <visitor-9>:\r\nurgent\r\nBcc: victim@example.test');
    // The template's own characters are escaped too: it is plain text.
    expect(html).toContain('Said &lt;visitor-9&gt;:<br>');
  });

  it('a 550 on RCPT is permanent, with status 550, and no credentials in the message', async () => {
    rejectRecipient = rejectWith(550, `5.1.1 mailbox unknown (auth ${SMTP_USER})`);
    const error = await failureOf(channelWith().send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(statusOf(error)).toBe(550);
    expect(error.message).toMatch(new RegExp(`^email ${smtpHost}: RCPT TO answered 550 `));
    expectNoSecrets(error);
    expect(mails).toHaveLength(0);
  });

  it('a 451 on RCPT is retryable, with status 451', async () => {
    rejectRecipient = rejectWith(451, '4.3.0 try again later');
    const error = await failureOf(channelWith().send(rule(), context()));
    expectRetryable(error, 451);
    expect(error.message).toContain('451');
    expectNoSecrets(error);
  });

  it('one recipient rejected of two still delivers (a retry would send it twice)', async () => {
    rejectRecipient = (address) =>
      address.address === 'lead@example.test' ? rejectWith(550, 'no such user')() : null;
    expect(await channelWith().send(rule(), context())).toBe(250);
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['agent@example.test']);
  });

  it('without SMTP_URL it is permanent', async () => {
    const error = await failureOf(channelWith({ smtpUrl: undefined }).send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe('SMTP_URL is not set');
  });

  it('a refused connection is retryable, no status', async () => {
    const port = await closedPort();
    const url = `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`;
    const error = await failureOf(channelWith({ smtpUrl: url }).send(rule(), context()));
    expectRetryable(error, null);
    expect(error.message).toBe(`email 127.0.0.1:${port}: failed (ECONNREFUSED)`);
    expectNoSecrets(error);
  });

  it('a server that never greets times out: retryable', async () => {
    const url = `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${silentPort}`;
    const error = await failureOf(
      channelWith({ smtpUrl: url }).send(rule({ timeoutMs: 200 }), context()),
    );
    expectRetryable(error, null);
    expect(error.message).toBe(`email 127.0.0.1:${silentPort}: timed out after 200 ms`);
    expectNoSecrets(error);
  });
});
