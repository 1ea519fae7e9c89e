/**
 * The wait before retry number `failedAttempts` (1-based), ±20% jitter so that
 * deliveries that failed together don't all come back in the same instant;
 * null when the schedule is used up and the delivery is dead.
 */
export function retryDelay(
  schedule: readonly number[],
  failedAttempts: number,
  random: () => number = Math.random,
): number | null {
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}
