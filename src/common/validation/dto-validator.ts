import 'reflect-metadata';
import { getMetadataStorage, validateSync, ValidationTypes } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import { validationPipeOptions } from './validation.options';

type Check = (object: object, value: unknown) => boolean;

interface Property {
  readonly name: string;
  /** @IsOptional and the like: all must hold for anything to be checked. */
  readonly conditions: readonly Check[];
  /** Every constraint, @IsDefined first, in the order class-validator runs them. */
  readonly checks: readonly Check[];
  /** The class of a @ValidateNested object: the one the property is declared as. */
  readonly nested?: DtoValidator<object>;
}

/** The metadata kinds this validator knows how to run; anything else is refused at start-up. */
const KNOWN = new Set<string>([
  ValidationTypes.IS_DEFINED,
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
]);

/**
 * A DTO's class-validator decorators, read once and run without
 * class-validator's per-call bookkeeping: its executor looks the metadata up,
 * groups it and builds an error object for every property on every call —
 * about 33 KB of garbage per webhook, most of the service's allocation.
 *
 * The constraints are the decorators' own functions, run in class-validator's
 * order with its rules (optional properties skipped when null or undefined,
 * @IsDefined first, nested objects validated by their declared class). When
 * one fails, class-validator itself runs on the same instance, so the errors
 * a client sees are exactly its errors. Only plain (non-`each`, synchronous,
 * group-less) decorators are supported; others are refused at construction.
 */
export class DtoValidator<T extends object> {
  private readonly properties: readonly Property[];

  constructor(private readonly dto: new () => T) {
    const storage = getMetadataStorage();
    const byProperty = new Map<string, ReturnType<typeof storage.getTargetValidationMetadatas>>();
    for (const metadata of storage.getTargetValidationMetadatas(dto, '', false, false)) {
      if (!KNOWN.has(metadata.type) || metadata.each || metadata.groups?.length) {
        throw new Error(
          `${dto.name}.${metadata.propertyName}: ${metadata.name ?? metadata.type} is not supported by DtoValidator`,
        );
      }
      const list = byProperty.get(metadata.propertyName) ?? [];
      list.push(metadata);
      byProperty.set(metadata.propertyName, list);
    }
    this.properties = [...byProperty].map(([name, metadatas]) => {
      const ofType = (type: string) => metadatas.filter((metadata) => metadata.type === type);
      const constraint = (metadata: (typeof metadatas)[number]): Check => {
        const [{ instance, async }] = storage.getTargetValidatorConstraints(metadata.constraintCls);
        if (async)
          throw new Error(`${dto.name}.${name}: asynchronous constraints are not supported`);
        const validator = instance as {
          validate(value: unknown, args: ValidationArguments): boolean;
        };
        return (object, value) =>
          validator.validate(value, {
            targetName: dto.name,
            property: name,
            object,
            value,
            constraints: metadata.constraints as unknown[],
          });
      };
      const nested = ofType(ValidationTypes.NESTED_VALIDATION).length > 0;
      return {
        name,
        conditions: ofType(ValidationTypes.CONDITIONAL_VALIDATION).map(
          (metadata) => metadata.constraints[0] as Check,
        ),
        checks: [
          ...ofType(ValidationTypes.IS_DEFINED),
          ...ofType(ValidationTypes.CUSTOM_VALIDATION),
        ].map(constraint),
        nested: nested
          ? new DtoValidator(
              Reflect.getMetadata('design:type', dto.prototype as object, name) as new () => object,
            )
          : undefined,
      };
    });
  }

  /** The plain object as an instance of the DTO, or the validation error as the pipe throws it. */
  validate(plain: Readonly<Record<string, unknown>>): T {
    const instance = this.instance(plain);
    if (this.passes(instance)) return instance;
    const errors = validateSync(instance, {
      whitelist: validationPipeOptions.whitelist,
      forbidNonWhitelisted: validationPipeOptions.forbidNonWhitelisted,
      stopAtFirstError: validationPipeOptions.stopAtFirstError,
      validationError: validationPipeOptions.validationError,
    });
    throw validationPipeOptions.exceptionFactory!(errors) as Error;
  }

  /** Only the declared properties; a nested object becomes an instance of its declared class. */
  private instance(plain: Readonly<Record<string, unknown>>): T {
    const instance = new this.dto() as Record<string, unknown>;
    for (const { name, nested } of this.properties) {
      if (!Object.hasOwn(plain, name)) continue;
      const value = plain[name];
      instance[name] =
        nested && typeof value === 'object' && value !== null && !Array.isArray(value)
          ? nested.instance(value as Record<string, unknown>)
          : value;
    }
    return instance as T;
  }

  private passes(instance: T): boolean {
    for (const { name, conditions, checks, nested } of this.properties) {
      const value = (instance as Record<string, unknown>)[name];
      if (!conditions.every((condition) => condition(instance, value))) continue;
      if (!checks.every((check) => check(instance, value))) return false;
      // class-validator validates a nested object by its own class; anything else fails.
      if (nested && value !== undefined) {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        if (!nested.passes(value)) return false;
      }
    }
    return true;
  }
}
