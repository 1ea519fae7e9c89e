import { IsDefined, IsInt, IsOptional, IsString, Max, ValidateNested } from 'class-validator';
import { AppException } from '../errors/app.exception';
import { DtoValidator } from './dto-validator';

class Inner {
  @IsInt()
  @IsDefined()
  n!: number;
}

class Outer {
  @IsString()
  @IsDefined()
  name!: string;

  @Max(10)
  @IsInt()
  @IsOptional()
  count?: number;

  @ValidateNested()
  @IsOptional()
  inner?: Inner;
}

class EachString {
  @IsString({ each: true })
  tags!: string[];
}

const errorsOf = (validate: () => unknown) => {
  try {
    validate();
  } catch (error) {
    if (error instanceof AppException) return error.errors;
    throw error;
  }
  throw new Error('expected a validation error');
};

describe('DtoValidator', () => {
  const validator = new DtoValidator(Outer);

  it('builds an instance of the class, nested objects of their declared class, and only declared fields', () => {
    const outer = validator.validate({ name: 'a', count: 3, inner: { n: 1, x: 2 }, extra: 1 });
    expect(outer).toBeInstanceOf(Outer);
    expect(outer.inner).toBeInstanceOf(Inner);
    expect({ ...outer, inner: { ...outer.inner } }).toEqual({
      name: 'a',
      count: 3,
      inner: { n: 1 },
    });
  });

  it('skips optional fields that are null or absent, and never a required one', () => {
    expect(validator.validate({ name: 'a', count: null }).name).toBe('a');
    expect(errorsOf(() => validator.validate({ count: 1 }))).toEqual([
      { field: 'name', message: 'name should not be null or undefined' },
    ]);
  });

  it('answers with class-validator’s own errors, nested ones by path', () => {
    expect(errorsOf(() => validator.validate({ name: 5, count: 11, inner: { n: 'x' } }))).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'count', message: 'count must not be greater than 10' },
      { field: 'inner.n', message: 'inner.n must be an integer number' },
    ]);
  });

  it('refuses, when it is built, a decorator it cannot run as class-validator would', () => {
    expect(() => new DtoValidator(EachString)).toThrow(
      /EachString\.tags: isString is not supported/,
    );
  });
});
