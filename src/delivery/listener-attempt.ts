import { describeFailure } from '../common/errors/describe-failure';
import type { AnyDomainEvent } from '../messages';
import { NotDueError, PermanentDeliveryError, RetryAfterError } from './delivery.errors';
import type { AttemptOutcome, AttemptRecord } from './delivery-store';
import type { DeliveryContext } from './durable-listener.decorator';
import type { RegisteredListener } from './listener-registry';
import { retryDelay } from './retry-schedule';

// How one attempt of a durable listener runs and what it comes to. The
// dispatcher and the listener testing kit both run attempts through here, so
// a test sees exactly the contexts, calls and outcomes production has.

/** What an attempt needs to know of a delivery. */
export interface AttemptJob {
  readonly id: string;
  readonly event: AnyDomainEvent;
  /** Attempts already recorded for it: 0 the first time. */
  readonly attemptsBefore: number;
  /** The lease it runs under, as stored: its outcome is recorded only while the lease is still it. */
  readonly heldUntil: number;
}

export interface AttemptResult<J extends AttemptJob> {
  readonly job: J;
  /** What the store records of the attempt. */
  readonly record: AttemptRecord;
  /** What the handler threw, when it failed. */
  readonly error?: unknown;
}

/** What the handler is told: the delivery id stays, the attempt counts up. */
export const deliveryContext = (
  listener: RegisteredListener,
  job: AttemptJob,
): DeliveryContext => ({
  deliveryId: job.id,
  attempt: job.attemptsBefore + 1,
  listener: listener.name,
});

/**
 * One attempt for all the jobs: `handleBatch` when the listener has one (even
 * for a single job), `handle` otherwise. A failed batch is tried again one by
 * one, so one bad delivery fails alone.
 */
export async function attemptDeliveries<J extends AttemptJob>(
  listener: RegisteredListener,
  jobs: readonly J[],
  retryScheduleMs: readonly number[],
): Promise<AttemptResult<J>[]> {
  const startedAt = Date.now();
  let failure: { error: unknown } | undefined;
  try {
    const contexts = jobs.map((job) => deliveryContext(listener, job));
    const { handler } = listener;
    if (handler.handleBatch) {
      await handler.handleBatch(
        jobs.map((job) => job.event),
        contexts,
      );
    } else {
      await handler.handle(jobs[0].event, contexts[0]);
    }
  } catch (error) {
    failure = { error };
  }
  if (failure && jobs.length > 1) {
    const alone = await Promise.all(
      jobs.map((job) => attemptDeliveries(listener, [job], retryScheduleMs)),
    );
    return alone.flat();
  }
  const durationMs = Date.now() - startedAt;
  return jobs.map((job) => {
    // A timer's wait is no attempt: the retry schedule stays whole for real failures.
    const attempts = job.attemptsBefore + (failure?.error instanceof NotDueError ? 0 : 1);
    const outcome: AttemptOutcome = failure
      ? outcomeOf(failure.error, attempts, retryScheduleMs)
      : { status: 'done' };
    const record = { heldUntil: job.heldUntil, attempts, startedAt, durationMs, outcome };
    return failure ? { job, record, error: failure.error } : { job, record };
  });
}

/** Where a failed attempt leaves its delivery: retried on the schedule, or dead. */
function outcomeOf(
  error: unknown,
  attempts: number,
  retryScheduleMs: readonly number[],
): AttemptOutcome {
  const description = describeFailure(error);
  if (error instanceof NotDueError) {
    return { status: 'pending', error: description, nextAttemptAt: error.retryAt };
  }
  if (error instanceof PermanentDeliveryError) return { status: 'dead', error: description };
  const delay = retryDelay(retryScheduleMs, attempts);
  if (delay === null) return { status: 'dead', error: description };
  const nextAttemptAt =
    error instanceof RetryAfterError ? Math.max(error.retryAt, Date.now()) : Date.now() + delay;
  return { status: 'failed', error: description, nextAttemptAt };
}

/**
 * The listener's filter on an event: true to record a delivery, false for
 * none, or the error it threw (the delivery is then recorded dead with it).
 */
export function filterVerdict(
  listener: RegisteredListener,
  event: AnyDomainEvent,
): boolean | { error: string } {
  try {
    return listener.handler.accepts?.(event) ?? true;
  } catch (error) {
    return { error: `accepts() failed: ${describeFailure(error)}` };
  }
}
