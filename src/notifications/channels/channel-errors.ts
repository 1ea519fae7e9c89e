import { PermanentDeliveryError, RetryAfterError } from '../../delivery';

// What a channel throws, whatever it speaks (HTTP, SMTP): the delivery queue
// reads the class (retry, bury, come back later), the notification log the
// far side's status. Messages name the channel and the host only: paths,
// queries, headers and user names carry secrets and end up in the log.

/** A failure worth retrying: 5xx, 408, 429 without Retry-After, a timeout, no connection. */
export class ChannelError extends Error {
  override name = 'ChannelError';

  constructor(
    message: string,
    /** The far side's HTTP or SMTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** PermanentDeliveryError with the status that made it permanent. */
export class PermanentChannelError extends PermanentDeliveryError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** RetryAfterError with the status (429 or 503) that came with the Retry-After. */
export class RetryAfterChannelError extends RetryAfterError {
  constructor(
    message: string,
    retryAt: number,
    readonly status: number,
  ) {
    super(message, retryAt);
  }
}

/** The HTTP or SMTP status a channel error carries, if any. */
export function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}
