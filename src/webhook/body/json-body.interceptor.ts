import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { AllConfig } from '../../config/all-config';
import { parseJsonObject } from './json-body';
import { readBody } from './read-body';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export type RequestWithRawText = Request & { rawText?: string };

/**
 * Runs after the guards, so a sender without a valid token or over its rate
 * is answered from the headers alone and no byte of its body is buffered;
 * and before the pipes: reads the body (up to BODY_LIMIT), replaces it with
 * the parsed object and keeps the text for the stored raw payload.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly limit: number;

  constructor(config: ConfigService<AllConfig, true>) {
    this.limit = config.get('webhook', { infer: true }).bodyLimitBytes;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<RequestWithRawText>();
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(
        ErrorCode.UnsupportedMediaType,
        'Content-Type must be application/json.',
      );
    }
    return from(readBody(request, this.limit)).pipe(
      mergeMap((body) => {
        const { value, text } = parseJsonObject(body);
        request.body = value;
        request.rawText = text;
        return next.handle();
      }),
    );
  }
}
