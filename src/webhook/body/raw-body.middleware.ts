import { Injectable, NestMiddleware } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { raw, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { AllConfig } from '../../config/all-config';

interface BodyParserError {
  status?: number;
  type?: string;
}

/**
 * Reads the webhook body as bytes, up to BODY_LIMIT, whatever its type; the
 * content type and JSON are judged after authentication. Read errors become
 * coded exceptions here, so they reach the global filter.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  private readonly read: RequestHandler;
  private readonly limit: number;

  constructor(config: ConfigService<AllConfig, true>) {
    this.limit = config.get('webhook', { infer: true }).bodyLimitBytes;
    this.read = raw({ type: () => true, limit: this.limit });
  }

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      void this.read(request, response, (error?: unknown) =>
        error ? reject(this.toException(error)) : resolve(),
      );
    });
    next();
  }

  private toException(error: unknown): AppException {
    const { status, type } = error as BodyParserError;
    if (status === 413 || type === 'entity.too.large') {
      return new AppException(
        ErrorCode.PayloadTooLarge,
        `The body is larger than ${this.limit} bytes.`,
      );
    }
    if (status === 415) {
      return new AppException(
        ErrorCode.UnsupportedMediaType,
        'The body encoding is not supported.',
      );
    }
    return new AppException(ErrorCode.MalformedJson, 'The body could not be read.');
  }
}
