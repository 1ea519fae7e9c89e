import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
  readonly at: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string };

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers
 * as the test scripts it (by default 200), standing in for Slack, a webhook
 * receiver or Kommunicate's API. A reply of null never answers: the request
 * hangs until the caller gives up (or `stop`).
 */
export class HttpRecorder {
  readonly requests: RecordedRequest[] = [];
  reply: (request: RecordedRequest) => Reply | null = () => ({ status: 200, body: 'ok' });
  private server?: Server;
  url = '';
  /** `127.0.0.1:<port>`: what error messages that name the host say. */
  host = '';

  static async start(): Promise<HttpRecorder> {
    const recorder = new HttpRecorder();
    recorder.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: the test reads `text`
        }
        const request = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          text,
          json,
          at: Date.now(),
        };
        recorder.requests.push(request);
        const reply = recorder.reply(request);
        if (reply) res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => recorder.server!.listen(0, '127.0.0.1', resolve));
    recorder.host = `127.0.0.1:${(recorder.server.address() as AddressInfo).port}`;
    recorder.url = `http://${recorder.host}`;
    return recorder;
  }

  /** Forgets what was received and answers 200 again: for a `beforeEach`. */
  reset(): void {
    this.requests.length = 0;
    this.reply = () => ({ status: 200, body: 'ok' });
  }

  to(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // Requests left unanswered would hold close() forever.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
