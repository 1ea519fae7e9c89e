const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const STEP = /^(\d+)(ms|s|m|h)$/;

export const DEFAULT_RETRY_SCHEDULE = '5s,30s,2m,10m,30m,1h,3h,6h';

/** `5s,30s,2m` → [5000, 30000, 120000]; null when the text is not such a list. */
export function parseRetrySchedule(text: string): number[] | null {
  const steps = text.split(',').map((step) => STEP.exec(step.trim()));
  if (steps.length === 0 || steps.some((step) => step === null)) return null;
  const delays = steps.map((step) => Number(step![1]) * UNIT_MS[step![2] as keyof typeof UNIT_MS]);
  return delays.every((delay) => delay > 0) ? delays : null;
}
