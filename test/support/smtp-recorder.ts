import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** MAIL FROM and the RCPT TO the server accepted. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The user name it logged in with, if it did. */
  readonly user: string | undefined;
  /** The message as a mail client reads it (mailparser): headers, subject, text, HTML. */
  readonly mail: ParsedMail;
}

/** An SMTP reply that refuses a recipient, e.g. 550 `5.1.1 mailbox unknown`. */
export interface SmtpRefusal {
  readonly code: number;
  readonly message: string;
}

/** The addresses of a parsed To/From/Cc header, each as `name <address>` or just the address. */
export const addressList = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((group) => group.value)
    .map(({ name, address }) => (name ? `${name} <${address}>` : (address ?? '')));

/**
 * A real SMTP server on 127.0.0.1 that takes any login, records every mail it
 * is given, and refuses recipients as the test scripts it. No STARTTLS: the
 * tests speak plain SMTP.
 */
export class SmtpRecorder {
  readonly mails: ReceivedMail[] = [];
  /** The answer to RCPT TO: null accepts the address. */
  refuseRecipient: (address: string) => SmtpRefusal | null = () => null;
  /** `127.0.0.1:<port>`. */
  host = '';
  private server?: SMTPServer;

  static async start(): Promise<SmtpRecorder> {
    const recorder = new SmtpRecorder();
    const server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 1000,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      onRcptTo: (address, _session, callback) => {
        const refusal = recorder.refuseRecipient(address.address);
        callback(
          refusal
            ? Object.assign(new Error(refusal.message), { responseCode: refusal.code })
            : null,
        );
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            const { mailFrom, rcptTo } = session.envelope;
            recorder.mails.push({
              envelope: {
                from: mailFrom === false ? '' : mailFrom.address,
                to: rcptTo.map((rcpt) => rcpt.address),
              },
              user: typeof session.user === 'string' ? session.user : undefined,
              mail,
            });
            callback();
          })
          .catch(callback);
      },
    });
    recorder.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    recorder.host = `127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    return recorder;
  }

  /** Where to send: `smtp://[user:password@]127.0.0.1:<port>`. */
  url(login?: { user: string; password: string }): string {
    return `smtp://${login ? `${login.user}:${login.password}@` : ''}${this.host}`;
  }

  /** Forgets the mails and accepts every recipient again: for a `beforeEach`. */
  reset(): void {
    this.mails.length = 0;
    this.refuseRecipient = () => null;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
