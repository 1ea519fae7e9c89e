/**
 * Stops the migration with a message for the operator, no stack trace:
 * exit code 2 for what is wrong before a row is copied (arguments, files,
 * connection, schema), 1 for a copy that failed or fell short.
 */
export class StopError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}
