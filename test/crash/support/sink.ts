import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the offline listener POSTs (src/notifications/listeners/offline-message.listener.ts). */
export interface Notification {
  event: string;
  key: string;
  conversation: string | null;
  from: string;
  text: string;
  receivedAt: string;
}

export type SinkMode = 'failing' | 'succeeding';

export interface SinkOptions {
  /** Share of requests that, while failing, hang past the service's timeout. */
  hangShare: number;
  /** How long such a request hangs before answering 503 (if the caller is still there). */
  hangMs: number;
  /** Upper bound of the random delay before an ordinary 503. */
  slowFailMaxMs: number;
}

/**
 * NOTIFY_WEBHOOK_URL for the test. While failing it answers 503 (no
 * Retry-After) after a short random delay, and some requests hang past the
 * service's timeout first; once succeeding it answers 200 at once. The mode is
 * decided when a request arrives. Every received key is recorded.
 */
export class NotificationSink {
  mode: SinkMode = 'failing';
  /** Requests received, with duplicates, by mode at arrival. */
  readonly requests = { failing: 0, succeeding: 0 };
  /** Key → how many times it arrived, by mode at arrival. */
  readonly failedKeys = new Map<string, number>();
  readonly deliveredKeys = new Map<string, number>();
  /** Idempotency-Key (the delivery id) → how many times it was answered 200. */
  readonly idempotencyKeys = new Map<string, number>();
  /** Last body received per key, to compare with what was sent. */
  readonly bodies = new Map<string, Notification>();
  /** Bodies that were not a notification at all. */
  readonly malformed: string[] = [];
  /** Requests whose answer has not been sent or abandoned yet. */
  inFlight = 0;
  /** How long a succeeding answer waits: deliveries stay in flight that long. */
  holdMs = 0;
  maxInFlight = 0;
  /** Failing requests the caller gave up on before the 503 (its timeout, or the kill). */
  abandoned = 0;

  private server: Server | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SinkOptions) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/notify`;
  }

  get totalRequests(): number {
    return this.requests.failing + this.requests.succeeding;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const mode = this.mode;
    this.requests[mode] += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => (this.inFlight -= 1));
    res.on('error', () => undefined);
    req.on('error', () => undefined);

    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const notification = parseNotification(text);
      if (!notification) {
        this.malformed.push(text.slice(0, 500));
      } else {
        const seen = mode === 'failing' ? this.failedKeys : this.deliveredKeys;
        seen.set(notification.key, (seen.get(notification.key) ?? 0) + 1);
        this.bodies.set(notification.key, notification);
      }
      if (mode === 'succeeding') {
        const answer = (): void => {
          if (res.destroyed) return;
          const id = String(req.headers['idempotency-key']);
          this.idempotencyKeys.set(id, (this.idempotencyKeys.get(id) ?? 0) + 1);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        };
        if (this.holdMs > 0) this.later(this.holdMs, answer);
        else answer();
        return;
      }
      const { hangShare, hangMs, slowFailMaxMs } = this.options;
      const delay =
        Math.random() < hangShare ? hangMs : Math.floor(Math.random() * (slowFailMaxMs + 1));
      this.later(delay, () => {
        if (res.destroyed) this.abandoned += 1;
        else res.writeHead(503, { 'content-type': 'text/plain' }).end('sink is down');
      });
    });
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

function parseNotification(text: string): Notification | undefined {
  try {
    const body = JSON.parse(text) as Partial<Notification> | null;
    if (
      body &&
      typeof body.key === 'string' &&
      typeof body.event === 'string' &&
      typeof body.from === 'string' &&
      typeof body.text === 'string' &&
      typeof body.receivedAt === 'string'
    ) {
      return body as Notification;
    }
  } catch {
    // Not JSON: malformed.
  }
  return undefined;
}
