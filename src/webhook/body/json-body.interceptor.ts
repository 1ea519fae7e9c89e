import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { parseJsonObject } from './json-body';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export type RequestWithRawText = Request & { rawText?: string };

/**
 * Runs after the guards (so an unauthenticated sender learns nothing about
 * its body) and before the pipes: replaces the raw bytes with the parsed
 * object and keeps the text for the stored raw payload.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<RequestWithRawText>();
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(
        ErrorCode.UnsupportedMediaType,
        'Content-Type must be application/json.',
      );
    }
    const { value, text } = parseJsonObject(
      Buffer.isBuffer(request.body) ? request.body : undefined,
    );
    request.body = value;
    request.rawText = text;
    return next.handle();
  }
}
