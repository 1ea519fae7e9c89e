import { PermanentDeliveryError } from '../../src/delivery';
import { statusOf } from '../../src/notifications/channels/channel-errors';
import { EmailChannel, type EmailChannelDto } from '../../src/notifications/channels/email.channel';
import type { NotificationSettings } from '../../src/notifications/channels/notification-channel';
import {
  configWith,
  context,
  DELIVERY_ID,
  expectRetryable,
  failureOf,
} from '../support/channel-kit';
import { addressList, SmtpRecorder } from '../support/smtp-recorder';
import { closedPort, startSilentServer, type SilentServer } from '../support/tcp';

// The e-mail channel against a real SMTP server on 127.0.0.1: the mail as a
// mail client reads it (mailparser), and how each failure is classified.

const SMTP_USER = 'smtp-user-7';
const SMTP_PASSWORD = 'smtp-pass-SECRET-99';
const LOGIN = { user: SMTP_USER, password: SMTP_PASSWORD };

describe('email channel', () => {
  let smtp: SmtpRecorder;
  /** Accepts connections and never says a word: the greeting times out. */
  let silent: SilentServer;
  const channels: EmailChannel[] = [];

  function channelWith(overrides: Partial<NotificationSettings> = {}): EmailChannel {
    const channel = new EmailChannel(configWith({ smtpUrl: smtp.url(LOGIN), ...overrides }));
    channels.push(channel);
    return channel;
  }

  const rule = (overrides: Partial<EmailChannelDto> = {}): EmailChannelDto => ({
    channel: 'email',
    to: ['agent@example.test', 'lead@example.test'],
    ...overrides,
  });

  beforeAll(async () => {
    smtp = await SmtpRecorder.start();
    silent = await startSilentServer();
  });
  afterAll(async () => {
    for (const channel of channels) channel.onApplicationShutdown();
    await silent.stop();
    await smtp.stop();
  });
  beforeEach(() => smtp.reset());

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

    expect(smtp.mails).toHaveLength(1);
    const [{ envelope, user, mail }] = smtp.mails;
    expect(envelope).toEqual({
      from: 'kommhook@localhost',
      to: ['agent@example.test', 'lead@example.test'],
    });
    // It logged in with SMTP_URL's credentials.
    expect(user).toBe(SMTP_USER);
    expect(mail.subject).toBe('New message from visitor-9');
    expect(addressList(mail.from)).toEqual(['kommhook <kommhook@localhost>']);
    expect(addressList(mail.to)).toEqual(['agent@example.test', 'lead@example.test']);
    expect(mail.messageId).toBe(`<${DELIVERY_ID}@kommhook>`);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.text).toBe(
      'From: visitor-9\nConversation: group:5150\nReceived: 2025-03-04T05:06:07.089Z\n\nlook: <b>&"',
    );
    expect(mail.html).toContain('<!DOCTYPE html>');
    expect(mail.html).toContain('From: visitor-9<br>');
    expect(mail.html).toContain('look: &lt;b&gt;&amp;&quot;');
    expect(mail.html).not.toContain('<b>');
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
    const [{ envelope, mail }] = smtp.mails;
    expect(envelope).toEqual({ from: 'alerts@example.test', to: ['night@example.test'] });
    expect(mail.subject).toBe('[offline-alert] urgent Bcc: victim@example.test');
    expect(mail.headers.has('bcc')).toBe(false);
    expect(addressList(mail.from)).toEqual(['Alerts <alerts@example.test>']);
    expect(mail.text).toBe('Said <visitor-9>:\nurgent\nBcc: victim@example.test');
    // The template's own characters are escaped too: it is plain text.
    expect(mail.html).toContain('Said &lt;visitor-9&gt;:<br>');
  });

  it('a 550 on RCPT is permanent, with status 550, and no credentials in the message', async () => {
    smtp.refuseRecipient = () => ({
      code: 550,
      message: `5.1.1 mailbox unknown (auth ${SMTP_USER})`,
    });
    const error = await failureOf(channelWith().send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(statusOf(error)).toBe(550);
    expect(error.message).toMatch(new RegExp(`^email ${smtp.host}: RCPT TO answered 550 `));
    expectNoSecrets(error);
    expect(smtp.mails).toHaveLength(0);
  });

  it('a 451 on RCPT is retryable, with status 451', async () => {
    smtp.refuseRecipient = () => ({ code: 451, message: '4.3.0 try again later' });
    const error = await failureOf(channelWith().send(rule(), context()));
    expectRetryable(error, 451);
    expect(error.message).toContain('451');
    expectNoSecrets(error);
  });

  it('one recipient rejected of two still delivers (a retry would send it twice)', async () => {
    smtp.refuseRecipient = (address) =>
      address === 'lead@example.test' ? { code: 550, message: 'no such user' } : null;
    expect(await channelWith().send(rule(), context())).toBe(250);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0].envelope.to).toEqual(['agent@example.test']);
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
    const url = `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${silent.port}`;
    const error = await failureOf(
      channelWith({ smtpUrl: url }).send(rule({ timeoutMs: 200 }), context()),
    );
    expectRetryable(error, null);
    expect(error.message).toBe(`email 127.0.0.1:${silent.port}: timed out after 200 ms`);
    expectNoSecrets(error);
  });
});
