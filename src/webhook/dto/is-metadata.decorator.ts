import { ValidateBy, ValidationOptions } from 'class-validator';
import { METADATA_KEY_MAX, METADATA_MAX_ENTRIES, METADATA_VALUE_MAX } from './lenient.transforms';

function isMetadata(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= METADATA_MAX_ENTRIES &&
    entries.every(
      ([key, entry]) =>
        key.length <= METADATA_KEY_MAX &&
        typeof entry === 'string' &&
        entry.length <= METADATA_VALUE_MAX,
    )
  );
}

/** An object of at most 100 string → string entries of bounded length. */
export const IsMetadata = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isMetadata',
      validator: {
        validate: isMetadata,
        defaultMessage: () =>
          `must be an object of at most ${METADATA_MAX_ENTRIES} entries, keys up to ${METADATA_KEY_MAX} and values up to ${METADATA_VALUE_MAX} characters`,
      },
    },
    options,
  );
