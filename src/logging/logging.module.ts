import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { destination, type LevelWithSilent } from 'pino';
import type { AllConfig } from '../config/all-config';

/** A request slower than this is logged at `warn`, whatever its answer. */
export const SLOW_REQUEST_MS = 1000;

const SAFE_REQUEST_ID = /^[\w.-]{1,64}$/;
const startedAt = new WeakMap<ServerResponse, number>();

/** Reuses a sane incoming X-Request-Id (from a proxy) or makes one, and echoes it. */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  // pino-http asks for the id as the request comes in: the start of its timing.
  startedAt.set(response, performance.now());
  const incoming = request.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Only what an operator must see reaches the default level: failures (5xx)
 * at `error`, slow requests at `warn`. Every other request, 4xx included (a
 * flood of bad tokens must not scroll the banner away; /metrics counts them
 * by code), is logged at `debug`.
 */
export function requestLogLevel(statusCode: number, elapsedMs: number): LevelWithSilent {
  if (statusCode >= 500) return 'error';
  if (elapsedMs > SLOW_REQUEST_MS) return 'warn';
  return 'debug';
}

interface LoggedError {
  type: string;
  message: string;
  stack?: string;
}

/** Cuts pino's serialized error to its class and message, unless the stack is asked for. */
export function errorSerializer(withStack: boolean): (error: LoggedError) => LoggedError {
  return ({ type, message, stack }) => (withStack ? { type, message, stack } : { type, message });
}

const elapsedMs = (response: ServerResponse): number =>
  performance.now() - (startedAt.get(response) ?? performance.now());

/**
 * JSON logs with a request id. Requests are logged by method, path and
 * status only: no headers (tokens) and no bodies (message text). Errors are
 * logged by class and message; their stack (server paths) only at debug.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const level = config.get('app', { infer: true }).logLevel;
        return {
          pinoHttp: [
            {
              level,
              genReqId: requestId,
              serializers: {
                req: (req: { id: string; method: string; url: string }) => ({
                  id: req.id,
                  method: req.method,
                  url: req.url.split('?')[0],
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
                err: errorSerializer(level === 'debug' || level === 'trace'),
              },
              redact: [
                'req.headers.authorization',
                'req.headers.authentication',
                'req.headers.cookie',
              ],
              customLogLevel: (_req, res, error) =>
                error ? 'error' : requestLogLevel(res.statusCode, elapsedMs(res)),
            },
            // Written as logged, so Nest's start-up lines come before the banner, not over it.
            destination({ dest: 1, sync: true }),
          ],
        };
      },
    }),
  ],
})
export class LoggingModule {}
