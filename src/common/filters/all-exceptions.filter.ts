import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { Metrics } from '../../metrics/metrics';
import type { Request, Response } from 'express';
import { AppException, FieldError } from '../errors/app.exception';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../errors/error-codes';
import { bodyStillComing, closeAfterAnswer } from '../http/close-after-answer';

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
 * Every error leaves through here as `{statusCode, code, message, errors?}`.
 * Messages are our own texts: nothing from a stack, a token or a server path.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly metrics: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const { body, headers, failure } = this.toBody(exception);
    // The request's log line names it (class and message; the stack only at debug).
    if (failure) response.err = failure;
    // Webhook codes are only ever answered on the webhook route.
    if (body.code.startsWith('WEBHOOK.')) {
      this.metrics.webhookOutcomes.inc({ outcome: 'rejected', code: body.code });
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    // Refused before its body was read (or part way): don't keep reading it to keep the connection.
    const request = http.getRequest<Request>();
    if (bodyStillComing(request)) closeAfterAnswer(request, response);
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): {
    body: ErrorBody;
    headers: Record<string, string>;
    /** What went wrong on our side, for the log. */
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
}

const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));
