import type { ValidationError, ValidationPipeOptions } from '@nestjs/common';
import { AppException, FieldError } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-codes';

/** One entry per bad field, named by its path (`file.size`), with the first rule it broke. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = error.property
      ? parent
        ? `${parent}.${error.property}`
        : error.property
      : parent || '(body)';
    const own = Object.values(error.constraints ?? {})
      .slice(0, 1)
      .map((message) => ({
        field,
        // class-validator starts its default messages with the bare property name.
        message: `${field} ${message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message}`,
      }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** The one validation setup: main.ts and the e2e bootstrap both use it. */
export const validationPipeOptions: ValidationPipeOptions = {
  transform: true,
  // Undocumented fields are dropped from the DTO (they stay in the raw payload), never a 400.
  whitelist: true,
  forbidNonWhitelisted: false,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) =>
    new AppException(
      ErrorCode.InvalidPayload,
      'The payload has missing or invalid fields.',
      flattenValidationErrors(errors),
    ),
};
