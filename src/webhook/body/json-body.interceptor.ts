import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { AllConfig } from '../../config/all-config';
import { decodeJsonText } from './json-body';
import { MessageBodyParser } from './message-body-parser';
import { readBody } from './read-body';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export type RequestWithRawText = Request & { rawText?: string };

/**
 * Runs after the guards, so a sender without a valid token or over its rate
 * is answered from the headers alone and no byte of its body is buffered;
 * and before the pipes: reads the body (up to BODY_LIMIT), replaces it with
 * the fields the DTO reads and keeps the text, unknown fields and all, for
 * the stored raw payload.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly limit: number;

  constructor(
    private readonly parser: MessageBodyParser,
    config: ConfigService<AllConfig, true>,
  ) {
    this.limit = config.get('webhook', { infer: true }).bodyLimitBytes;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<RequestWithRawText>();
    if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(
        ErrorCode.UnsupportedMediaType,
        'Content-Type must be application/json.',
      );
    }
    const text = decodeJsonText(await readBody(request, this.limit));
    request.body = await this.parser.parse(text);
    request.rawText = text;
    return next.handle();
  }
}
