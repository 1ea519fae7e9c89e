import {
  Agent as HttpAgent,
  request as httpRequest,
  validateHeaderName,
  validateHeaderValue,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ChannelError, PermanentChannelError, RetryAfterChannelError } from './channel-errors';

// The HTTP side shared by the webhook, Slack and Kommunicate channels. Error
// messages name the channel and the host only: paths, queries and headers
// carry secrets (Slack hook tokens, API keys) and end up in the delivery log.

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

// Kept-alive connections per far side: a notification is one short POST, and
// a new connection (or fetch's machinery, four times the CPU) each time costs
// more than the request itself.
const AGENTS = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 32, timeout: 60_000 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 32, timeout: 60_000 }),
};

const DEFAULT_HEADERS = { 'content-type': 'application/json', 'user-agent': 'kommhook' };

/**
 * POSTs `body` as JSON; resolves with the status of a 2xx within the timeout, throws otherwise.
 * A 4xx other than 408 and 429 will not get better by retrying: permanent. Redirects are not followed.
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
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new PermanentChannelError(`${where}: only http and https URLs are supported`);
  }
  if (target.username || target.password) {
    throw new PermanentChannelError(`${where}: URLs with credentials are not supported`);
  }
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const answer = await send(
    target,
    payload,
    requestHeaders(where, options.headers),
    timeoutMs,
  ).catch((error: unknown) => {
    throw error instanceof PermanentChannelError
      ? error
      : new ChannelError(`${where}: ${requestFailure(error, timeoutMs)}`);
  });
  const { status } = answer;
  if (status >= 200 && status < 300) return status;
  if (status >= 300 && status < 400) {
    throw new ChannelError(`${where}: answered with a redirect, which is not followed`);
  }
  const message = `${where}: answered ${status}`;
  const retryAt = parseRetryAfter(answer.retryAfter);
  if ((status === 429 || status === 503) && retryAt !== undefined) {
    throw new RetryAfterChannelError(message, retryAt, status);
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    throw new PermanentChannelError(message, status);
  }
  throw new ChannelError(message, status);
}

class TimedOut extends Error {
  override name = 'TimeoutError';
}

/** One POST, answered or failed within `timeoutMs`; the answer's body is read and dropped. */
function send(
  target: URL,
  payload: Buffer,
  headers: OutgoingHttpHeaders,
  timeoutMs: number,
): Promise<{ status: number; retryAfter: string | null }> {
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      agent: AGENTS[secure ? 'https:' : 'http:'],
      headers: { ...headers, 'content-length': payload.length },
    });
    const timer = setTimeout(() => request.destroy(new TimedOut()), timeoutMs);
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.once('response', (response) => {
      const retryAfter = response.headers['retry-after'] ?? null;
      // Read to the end, so the kept-alive connection serves the next notification.
      response.resume();
      response.once('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, retryAfter });
      });
      response.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    request.end(payload);
  });
}

/** Defaults, then the caller's (names compared case-insensitively, so none is doubled), each checked. */
function requestHeaders(where: string, extra: Record<string, string> = {}): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...DEFAULT_HEADERS };
  for (const [name, value] of Object.entries(extra)) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      // The error quotes the value, which may be a secret: name the header only.
      throw new PermanentChannelError(`${where}: header ${JSON.stringify(name)} is not valid`);
    }
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** Why the request failed, in words that hold no part of it. */
function requestFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof TimedOut) return `timed out after ${timeoutMs} ms`;
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' ? `request failed (${code})` : 'request failed';
}
