import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares in time independent of where the strings differ and of their
 * lengths: both sides are hashed to 32 bytes first.
 */
export function constantTimeEquals(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** True when `candidate` equals any of `secrets`; checks all of them, with no early exit. */
export function matchesAny(candidate: string, secrets: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) matched = constantTimeEquals(candidate, secret) || matched;
  return matched;
}
