import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorAnswer } from '../errors/error-answer';
import { bodyStillComing, closeAfterAnswer } from '../http/close-after-answer';

/**
 * Every error leaves through here as `{statusCode, code, message, errors?}`.
 * Messages are our own texts: nothing from a stack, a token or a server path.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const { body, headers, failure } = errorAnswer(exception);
    // The request's log line names it (class and message; the stack only at debug).
    if (failure) response.err = failure;
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    // Refused before its body was read (or part way): don't keep reading it to keep the connection.
    const request = http.getRequest<Request>();
    if (bodyStillComing(request)) closeAfterAnswer(request, response);
    response.status(body.statusCode).json(body);
  }
}
