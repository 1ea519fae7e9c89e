import { PermanentDeliveryError, RetryAfterError } from '../../delivery/delivery.errors';

// The HTTP side shared by the webhook, Slack and Kommunicate channels. Error
// messages name the channel and the host only: paths, queries and headers
// carry secrets (Slack hook tokens, API keys) and end up in the delivery log.

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

/** `Retry-After` as seconds or an HTTP date → epoch ms; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? at : undefined;
}

export interface PostJsonOptions {
  /** Set after the defaults (content-type, user-agent), so they may override them. */
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Names the channel in error messages, e.g. `slack`. */
  label: string;
}

/**
 * POSTs `body` as JSON; resolves with the status of a 2xx within the timeout, throws otherwise.
 * A 4xx other than 408 and 429 will not get better by retrying: permanent.
 */
export async function postJson(
  url: string,
  body: unknown,
  options: PostJsonOptions,
): Promise<number> {
  const { label, timeoutMs } = options;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    // The URL itself may hold a token: never repeat it.
    throw new PermanentChannelError(`${label}: the URL is not valid`);
  }
  const where = `${label} ${target.host}`;
  // fetch refuses such URLs with a message that repeats them, password included.
  if (target.username || target.password) {
    throw new PermanentChannelError(`${where}: URLs with credentials are not supported`);
  }
  const headers = requestHeaders(where, options.headers);

  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    throw new ChannelError(`${where}: ${fetchFailure(error, timeoutMs)}`);
  }
  // Drain the body so the connection can be reused; it is of no further interest.
  await response.arrayBuffer().catch(() => undefined);
  const { status } = response;
  if (response.ok) return status;

  const message = `${where}: answered ${status}`;
  const retryAt = parseRetryAfter(response.headers.get('retry-after'));
  if ((status === 429 || status === 503) && retryAt !== undefined) {
    throw new RetryAfterChannelError(message, retryAt, status);
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    throw new PermanentChannelError(message, status);
  }
  throw new ChannelError(message, status);
}

/** Defaults, then the caller's; `set` replaces case-insensitively, so no header is doubled. */
function requestHeaders(where: string, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ 'content-type': 'application/json', 'user-agent': 'kommhook' });
  for (const [name, value] of Object.entries(extra)) {
    try {
      headers.set(name, value);
    } catch {
      // The TypeError quotes the value, which may be a secret: name the header only.
      throw new PermanentChannelError(`${where}: header ${JSON.stringify(name)} is not valid`);
    }
  }
  return headers;
}

/** Why fetch threw, in words that hold no part of the request. */
function fetchFailure(error: unknown, timeoutMs: number): string {
  // Read by shape, not instanceof: fetch's errors may come from another realm (jest's vm).
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: unknown };
  if (name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  // undici wraps the reason: `fetch failed` with a cause such as ECONNREFUSED or `unexpected redirect`.
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (message === 'unexpected redirect') return 'answered with a redirect, which is not followed';
  return typeof code === 'string' ? `request failed (${code})` : 'request failed';
}
