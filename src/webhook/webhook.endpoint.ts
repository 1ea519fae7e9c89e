import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Clock } from '../common/clock/clock';
import { AppException } from '../common/errors/app.exception';
import { errorAnswer } from '../common/errors/error-answer';
import { ErrorCode } from '../common/errors/error-codes';
import { bodyStillComing, closeAfterAnswer } from '../common/http/close-after-answer';
import type { AllConfig } from '../config/all-config';
import { SLOW_REQUEST_MS } from '../logging/logging.module';
import { Metrics } from '../metrics/metrics';
import { decodeJsonText } from './body/json-body';
import { MessageBodyParser } from './body/message-body-parser';
import { readBody } from './body/read-body';
import { RateLimiter } from './checks/rate-limiter';
import { WebhookTokens } from './checks/webhook-tokens';
import { toMessageDto } from './dto/to-message-dto';
import { toReceivedMessage } from './dto/to-received-message';
import { WebhookMetrics } from './webhook.metrics';
import { AcceptOutcome, WebhookService } from './webhook.service';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const SAFE_REQUEST_ID = /^[\w.-]{1,64}$/;

/** Express's compiled `trust proxy`: whether the address `hops` hops from us is a proxy we trust. */
export type TrustProxy = (address: string, hops: number) => boolean;

/** What the path answers to a method it does not take: only POST is. */
class MethodNotAllowed extends AppException {
  constructor() {
    super(ErrorCode.WebhookMethodNotAllowed, 'Only POST is accepted here.', undefined, {
      Allow: 'POST',
    });
  }
}

/**
 * `WEBHOOK_PATH`, served by the HTTP server itself, ahead of Express.
 * Kommunicate posts a whole account's traffic to this one route, so it is
 * the one route that must be fast: it skips the framework's per-request
 * machinery (routing, request logging and context, interceptors), which
 * costs more than everything the webhook itself does. The steps are the same, cheapest first: method, rate
 * limit and token from the headers alone; then the declared length, the
 * content type, the body (bounded), its JSON and the DTO's validation; then
 * WebhookService decides, and the answer goes out after the commit.
 */
@Injectable()
export class WebhookEndpoint {
  private readonly logger = new Logger('Webhook');
  private readonly path: string;
  private readonly bodyLimit: number;
  private trustProxy: TrustProxy = () => false;

  constructor(
    private readonly rateLimiter: RateLimiter,
    private readonly tokens: WebhookTokens,
    private readonly parser: MessageBodyParser,
    private readonly webhooks: WebhookService,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly webhookMetrics: WebhookMetrics,
    config: ConfigService<AllConfig, true>,
  ) {
    const webhook = config.get('webhook', { infer: true });
    this.path = webhook.path;
    this.bodyLimit = webhook.bodyLimitBytes;
  }

  /**
   * Takes the server's requests for WEBHOOK_PATH and hands every other to
   * the listeners it had (the Express app). `trustProxy` decides, as it
   * does for Express, which address is the client's.
   */
  mount(server: Server, trustProxy: TrustProxy): void {
    this.trustProxy = trustProxy;
    const others = server.listeners('request') as ((...args: unknown[]) => void)[];
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const url = request.url ?? '';
      const query = url.indexOf('?');
      if ((query < 0 ? url : url.slice(0, query)) === this.path) {
        void this.handle(request, response);
      } else {
        for (const listener of others) listener.call(server, request, response);
      }
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const requestId = this.requestId(request);
    let status: number;
    try {
      if (request.method === 'OPTIONS') {
        status = 204;
        response.writeHead(204, { Allow: 'POST', ...this.headers(requestId) }).end();
        return;
      }
      const outcome = await this.receive(request);
      status = 200;
      this.send(response, 200, outcome, this.headers(requestId));
    } catch (error) {
      const { body, headers, failure } = errorAnswer(error);
      status = body.statusCode;
      if (body.code.startsWith('WEBHOOK.')) {
        this.webhookMetrics.outcomes.inc({ outcome: 'rejected', code: body.code });
      }
      if (failure) {
        // As the request log writes every other 5xx: class and message, no stack.
        this.logger.error(
          {
            ...this.logFields(request, requestId, status),
            err: { type: failure.name, message: failure.message },
          },
          'request errored',
        );
      }
      // Refused before its body was read (or part way): don't keep reading it to keep the connection.
      if (bodyStillComing(request)) closeAfterAnswer(request, response);
      this.send(response, status, body, { ...headers, ...this.headers(requestId) });
    } finally {
      const elapsedMs = performance.now() - startedAt;
      this.metrics.httpDuration.observe(
        { method: request.method, route: this.path, status: String(status!) },
        elapsedMs / 1000,
      );
      if (elapsedMs > SLOW_REQUEST_MS) {
        this.logger.warn(
          { ...this.logFields(request, requestId, status!), responseTime: Math.round(elapsedMs) },
          'request completed',
        );
      }
    }
  }

  private async receive(request: IncomingMessage): Promise<AcceptOutcome> {
    if (request.method !== 'POST') throw new MethodNotAllowed();
    this.rateLimiter.check(this.clientAddress(request));
    this.tokens.check(request.headers);
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(
        ErrorCode.UnsupportedMediaType,
        'Content-Type must be application/json.',
      );
    }
    const text = decodeJsonText(await readBody(request, this.bodyLimit));
    const dto = toMessageDto(await this.parser.parse(text));
    return this.webhooks.accept(toReceivedMessage(dto, this.clock.now()), text);
  }

  private logFields(request: IncomingMessage, id: string, statusCode: number) {
    return { req: { id, method: request.method, url: this.path }, res: { statusCode } };
  }

  /**
   * The first address no trusted proxy wrote: the socket's peer, then the
   * X-Forwarded-For entries from right to left while each hop is trusted
   * (as Express's req.ip), so a client cannot choose its own rate-limit key.
   */
  private clientAddress(request: IncomingMessage): string {
    let address = request.socket.remoteAddress ?? 'unknown';
    const header = request.headers['x-forwarded-for'];
    if (header === undefined) return address;
    const forwarded = (Array.isArray(header) ? header.join(',') : header).split(',');
    for (let hops = 0; hops < forwarded.length && this.trustProxy(address, hops); hops++) {
      address = forwarded[forwarded.length - 1 - hops].trim();
    }
    return address;
  }

  /** A sane X-Request-Id from a proxy, or a new one: it ties an error in the log to its answer. */
  private requestId(request: IncomingMessage): string {
    const incoming = request.headers['x-request-id'];
    return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  }

  private headers(requestId: string): Record<string, string> {
    return { 'X-Request-Id': requestId, 'X-Content-Type-Options': 'nosniff' };
  }

  private send(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    if (response.headersSent) return;
    const json = JSON.stringify(body);
    response
      .writeHead(status, {
        ...headers,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(json),
      })
      .end(json);
  }
}
