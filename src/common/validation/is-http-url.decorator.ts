import { ValidateBy, ValidationOptions } from 'class-validator';

export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** An absolute http(s) URL; stricter on scheme and looser on hosts (localhost, ports) than IsUrl. */
export const IsHttpUrl = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy({ name: 'isHttpUrl', validator: { validate: isHttpUrl } }, options);
