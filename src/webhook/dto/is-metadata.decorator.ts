import { ValidateBy, ValidationOptions } from 'class-validator';
import { isWellFormedText } from '../../common/validation/is-well-formed.decorator';
import { METADATA_KEY_MAX, METADATA_MAX_ENTRIES, METADATA_VALUE_MAX } from './lenient.transforms';

const entriesOf = (value: unknown): [string, unknown][] | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.entries(value)
    : null;

function isBounded(value: unknown): boolean {
  const entries = entriesOf(value);
  return (
    entries !== null &&
    entries.length <= METADATA_MAX_ENTRIES &&
    entries.every(
      ([key, entry]) =>
        key.length <= METADATA_KEY_MAX &&
        typeof entry === 'string' &&
        entry.length <= METADATA_VALUE_MAX,
    )
  );
}

const isWellFormed = (value: unknown): boolean =>
  (entriesOf(value) ?? []).every(
    ([key, entry]) => isWellFormedText(key) && isWellFormedText(entry),
  );

/** An object of at most 100 string → string entries of bounded length, in well-formed Unicode. */
export const IsMetadata = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isMetadata',
      validator: {
        validate: (value) => isBounded(value) && isWellFormed(value),
        defaultMessage: (args) =>
          isBounded(args?.value)
            ? '$property keys and values must be well-formed Unicode text (one has a lone surrogate or a NUL)'
            : `$property must be an object of at most ${METADATA_MAX_ENTRIES} entries, keys up to ${METADATA_KEY_MAX} and values up to ${METADATA_VALUE_MAX} characters`,
      },
    },
    options,
  );
