import { ErrorCode } from './error-codes';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * The one base exception. Services throw it with a string code; the global
 * filter alone turns it into HTTP, so nothing below the controller knows HTTP.
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: readonly FieldError[],
    /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
    readonly headers?: Readonly<Record<string, string>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppException';
  }
}

export class StoreUnavailableError extends AppException {
  constructor(cause: unknown) {
    super(
      ErrorCode.StoreUnavailable,
      'The message store could not commit; retry later.',
      undefined,
      // Busy or full stores usually recover within seconds.
      { 'Retry-After': '2' },
      { cause },
    );
  }
}
