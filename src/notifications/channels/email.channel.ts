import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ArrayMinSize, IsArray, IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  createTransport,
  type NodemailerError,
  type SMTPSentMessageInfo,
  type SMTPTransportOptions,
  type Transporter,
} from 'nodemailer';
import type { AllConfig } from '../../config/all-config';
import { PermanentDeliveryError } from '../../delivery';
import { escapeHtml, IsTemplate, renderTemplate, templateValues } from '../templates';
import { Channel } from './channel.decorator';
import { ChannelError, PermanentChannelError } from './channel-errors';
import { ChannelDto, NotificationChannel, type NotificationContext } from './notification-channel';

export const DEFAULT_EMAIL_SUBJECT = 'New message from {{from}}';
export const DEFAULT_EMAIL_TEMPLATE =
  'From: {{from}}\nConversation: {{conversation}}\nReceived: {{receivedAt}}\n\n{{text}}';

export class EmailChannelDto extends ChannelDto {
  @IsArray()
  @ArrayMinSize(1)
  @IsEmail({ require_tld: false }, { each: true, message: 'to must hold e-mail addresses' })
  to!: string[];

  /** Defaults to NOTIFY_EMAIL_FROM. */
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  @IsTemplate()
  subject?: string;

  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  @IsTemplate()
  template?: string;
}

type SmtpTransporter = Transporter<SMTPSentMessageInfo, SMTPTransportOptions>;

/** How much of an SMTP reply an error message keeps. */
const REPLY_MAX = 200;

/**
 * Sends the message by SMTP (SMTP_URL) as a plain-text and an HTML part. The
 * Message-ID derives from the delivery id, so a retry of a mail that did get
 * through is the same message to the recipient's mail system.
 */
@Channel({
  type: 'email',
  options: EmailChannelDto,
  requires: ({ smtpUrl }) =>
    smtpUrl === undefined ? 'e-mail needs SMTP_URL to be set' : undefined,
})
export class EmailChannel
  extends NotificationChannel<EmailChannelDto>
  implements OnApplicationShutdown
{
  private readonly logger = new Logger(EmailChannel.name);
  private readonly settings: AllConfig['notifications'];
  /**
   * Created on first use, one per timeout: nodemailer takes its timeouts per
   * transport, and a rule may set its own. Rules have few distinct values.
   */
  private readonly transports = new Map<number, SmtpTransporter>();

  constructor(config: ConfigService<AllConfig, true>) {
    super();
    this.settings = config.get('notifications', { infer: true });
  }

  async send(config: EmailChannelDto, context: NotificationContext): Promise<number | null> {
    const values = templateValues(context.rule, context.event);
    const template = config.template ?? DEFAULT_EMAIL_TEMPLATE;
    // The template is plain text, its own characters included: escape it all for HTML.
    const html = renderTemplate(escapeHtml(template), values, escapeHtml).replace(
      /\r?\n/g,
      '<br>\n',
    );
    return this.sendMail(
      config,
      {
        subject: renderTemplate(config.subject ?? DEFAULT_EMAIL_SUBJECT, values),
        text: renderTemplate(template, values),
        html: `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n${html}\n</body></html>\n`,
      },
      { rule: context.rule, messageId: context.deliveryId },
    );
  }

  /**
   * Sends a mail composed elsewhere (a digest), with the same addressing,
   * timeouts and failure classes as `send`. `messageId` stays the same
   * across retries, so a retry of a mail that got through is the same message.
   */
  async sendMail(
    config: Pick<EmailChannelDto, 'to' | 'from' | 'timeoutMs'>,
    mail: { readonly subject: string; readonly text: string; readonly html: string },
    { rule, messageId }: { readonly rule: string; readonly messageId: string },
  ): Promise<number | null> {
    const { smtpUrl, emailFrom } = this.settings;
    if (smtpUrl === undefined) throw new PermanentDeliveryError('SMTP_URL is not set');
    const server = smtpServer(smtpUrl);
    const timeoutMs = config.timeoutMs ?? this.settings.timeoutMs;

    let sent: SMTPSentMessageInfo;
    try {
      sent = await this.transport(smtpUrl, timeoutMs).sendMail({
        from: config.from ?? emailFrom,
        to: config.to,
        // A CR or LF in a value would start a header of the sender's choosing.
        subject: mail.subject.replace(/[\r\n]+/g, ' '),
        text: mail.text,
        html: mail.html,
        messageId: `<${messageId}@kommhook>`,
      });
    } catch (error) {
      throw smtpFailure(error, server, timeoutMs);
    }
    // Some recipients got it: a retry would send it to them again, so this is a success.
    if (sent.rejected.length > 0) {
      this.logger.warn(
        { rule, rejected: sent.rejected.length },
        'e-mail notification: some recipients were rejected',
      );
    }
    return replyCode(sent.response);
  }

  onApplicationShutdown(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }

  private transport(url: string, timeoutMs: number): SmtpTransporter {
    let transport = this.transports.get(timeoutMs);
    if (!transport) {
      transport = createTransport({
        url,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      this.transports.set(timeoutMs, transport);
    }
    return transport;
  }
}

/** What error messages may say about the server: its host, and which strings they must not hold. */
interface SmtpServer {
  where: string;
  secrets: string[];
}

function smtpServer(url: string): SmtpServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PermanentDeliveryError('SMTP_URL is not a valid URL');
  }
  const secrets = [parsed.username, parsed.password]
    .filter((part) => part !== '')
    .flatMap((part) => [part, safeDecode(part)]);
  return { where: `email ${parsed.host}`, secrets };
}

/**
 * A nodemailer error → the delivery's error. A 5xx reply is final (the
 * recipient does not exist, the message is refused); a 4xx, a timeout or a
 * lost connection may pass on the next attempt. Only the host, the command and
 * the server's reply are quoted, never nodemailer's own message.
 */
function smtpFailure(error: unknown, server: SmtpServer, timeoutMs: number): Error {
  const failure = (error ?? {}) as NodemailerError;
  const code = failure.responseCode;
  if (typeof code === 'number') {
    const reply = redact(oneLine(failure.response ?? String(code)), server.secrets);
    const message = `${server.where}: ${failure.command ?? 'the server'} answered ${reply}`;
    return code >= 500 && code < 600
      ? new PermanentChannelError(message, code)
      : new ChannelError(message, code);
  }
  if (failure.code === 'ETIMEDOUT') {
    return new ChannelError(`${server.where}: timed out after ${timeoutMs} ms`);
  }
  const reason = failure.originalCode ?? failure.code;
  return new ChannelError(
    `${server.where}: ${typeof reason === 'string' ? `failed (${reason})` : 'failed'}`,
  );
}

/** The code of the server's reply to the message (`250 2.0.0 Ok: queued` → 250). */
function replyCode(response: string | undefined): number | null {
  const match = /^([2-5]\d\d)(?:[ -]|$)/.exec(response ?? '');
  return match ? Number(match[1]) : null;
}

const oneLine = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > REPLY_MAX ? `${line.slice(0, REPLY_MAX - 1)}…` : line;
};

/** A server may echo the user name back; never let it reach the log. */
const redact = (text: string, secrets: readonly string[]): string =>
  secrets.reduce((result, secret) => result.split(secret).join('***'), text);

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
