import { HttpException } from '@nestjs/common';
import { AppException, FieldError } from './app.exception';
import { ErrorCode, HTTP_STATUS_BY_CODE } from './error-codes';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  errors?: readonly FieldError[];
  /** Per-check results of a failing health check. */
  details?: unknown;
}

const CODE_BY_HTTP_STATUS: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BadRequest,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  413: ErrorCode.PayloadTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.NotReady,
};

/**
 * What an error is answered with: `{statusCode, code, message, errors?}` and
 * its headers. Messages are our own texts: nothing from a stack, a token or a
 * server path. `failure` is what went wrong on our side, for the log.
 */
export function errorAnswer(exception: unknown): {
  body: ErrorBody;
  headers: Record<string, string>;
  failure?: Error;
} {
  if (exception instanceof AppException) {
    const body: ErrorBody = {
      statusCode: HTTP_STATUS_BY_CODE[exception.code],
      code: exception.code,
      message: exception.message,
    };
    if (exception.errors) body.errors = exception.errors;
    const failure =
      exception.code === ErrorCode.StoreUnavailable ? asError(exception.cause) : undefined;
    return { body, headers: { ...exception.headers }, failure };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const code =
      CODE_BY_HTTP_STATUS[statusCode] ??
      (statusCode >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
    const message = statusCode === 404 ? 'No such route.' : exception.message;
    const body: ErrorBody = { statusCode, code, message };
    const response = exception.getResponse();
    if (typeof response === 'object' && 'details' in response) body.details = response.details;
    return { body, headers: {} };
  }
  return {
    body: { statusCode: 500, code: ErrorCode.Internal, message: 'Internal error.' },
    headers: {},
    failure: asError(exception),
  };
}

const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));
