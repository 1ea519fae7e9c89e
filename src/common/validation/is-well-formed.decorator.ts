import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * A string without a lone UTF-16 surrogate (JSON lets `"\ud800"` through).
 * Such a string is not Unicode text: it cannot be stored as UTF-8 as it is,
 * nor looked up again by a URL. Anything but a string passes: the type is
 * another rule's business.
 */
export const isWellFormedText = (value: unknown): boolean =>
  typeof value !== 'string' || value.isWellFormed();

export const IsWellFormed = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isWellFormed',
      validator: {
        validate: isWellFormedText,
        defaultMessage: () => '$property must be well-formed Unicode (it has a lone surrogate)',
      },
    },
    options,
  );
