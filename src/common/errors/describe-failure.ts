const MAX_LENGTH = 500;

/**
 * What a failed attempt leaves in `last_error`: the error's name and message,
 * without stack, query strings, user info of URLs or credentials, truncated.
 */
export function describeFailure(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
  const cleaned = text
    .replace(/\b(https?:\/\/)[^\s/@]*@/gi, '$1')
    .replace(/\b(https?:\/\/[^\s?#]*)[?#][^\s]*/gi, '$1')
    .replace(/\b(bearer|basic|api-key:?)\s+[^\s,;]+/gi, '$1 [redacted]');
  return cleaned.length > MAX_LENGTH ? `${cleaned.slice(0, MAX_LENGTH - 1)}…` : cleaned;
}
