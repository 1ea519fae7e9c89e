/**
 * Thrown by a listener when trying again cannot help (a 400 from a channel,
 * a message it can never handle): the delivery goes straight to `dead`.
 */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/** Thrown by a listener told to come back later (429, 503 with Retry-After). */
export class RetryAfterError extends Error {
  override name = 'RetryAfterError';

  constructor(
    message: string,
    /** Epoch ms before which the next attempt must not run. */
    readonly retryAt: number,
  ) {
    super(message);
  }
}

/**
 * Thrown by a listener whose delivery is a timer (an alert due later): it
 * waits `pending` until `retryAt`, the poller brings it back then, also after
 * a restart. Not a failure: it uses up none of the retry schedule.
 */
export class NotDueError extends RetryAfterError {
  override name = 'NotDueError';
}
