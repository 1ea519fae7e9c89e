import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * A string without a lone UTF-16 surrogate (JSON lets `"\ud800"` through)
 * and without U+0000. Neither is storable text: a lone surrogate has no
 * UTF-8 form, and PostgreSQL's text refuses NUL (SQLite would take it, and
 * the two stores must answer alike). Anything but a string passes: the type
 * is another rule's business.
 */
export const isWellFormedText = (value: unknown): boolean =>
  typeof value !== 'string' || (value.isWellFormed() && !value.includes('\u0000'));

export const IsWellFormed = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isWellFormed',
      validator: {
        validate: isWellFormedText,
        defaultMessage: () =>
          '$property must be well-formed Unicode text (it has a lone surrogate or a NUL)',
      },
    },
    options,
  );
