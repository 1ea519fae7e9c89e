import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { decodeJsonText } from './json-body';
import { MessageBodyParser } from './message-body-parser';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export type RequestWithRawText = Request & { rawText?: string };

/**
 * Runs after the guards (so an unauthenticated sender learns nothing about
 * its body) and before the pipes: replaces the raw bytes with the fields the
 * DTO reads and keeps the text, unknown fields and all, for the stored raw
 * payload.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  constructor(private readonly parser: MessageBodyParser) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<RequestWithRawText>();
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(
        ErrorCode.UnsupportedMediaType,
        'Content-Type must be application/json.',
      );
    }
    const text = decodeJsonText(Buffer.isBuffer(request.body) ? request.body : undefined);
    request.body = await this.parser.parse(text);
    request.rawText = text;
    return next.handle();
  }
}
