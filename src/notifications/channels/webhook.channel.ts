import { Injectable } from '@nestjs/common';
import { PermanentDeliveryError, RetryAfterError } from '../../delivery/delivery.errors';

export class ChannelError extends Error {
  override name = 'ChannelError';
}

/** `Retry-After` as seconds or an HTTP date → epoch ms; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? at : undefined;
}

/**
 * POSTs JSON to a URL; anything but a 2xx within the timeout is an error.
 * A 4xx other than 408 and 429 will not get better by retrying: permanent.
 */
@Injectable()
export class WebhookChannel {
  async send(url: string, body: unknown, timeoutMs: number): Promise<void> {
    const host = new URL(url).host;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'kommhook' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : 'failed to connect';
      throw new ChannelError(`webhook ${host}: ${reason}`);
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const { status } = response;
    const message = `webhook ${host}: answered ${status}`;
    const retryAt = parseRetryAfter(response.headers.get('retry-after'));
    if ((status === 429 || status === 503) && retryAt !== undefined) {
      throw new RetryAfterError(message, retryAt);
    }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      throw new PermanentDeliveryError(message);
    }
    throw new ChannelError(message);
  }
}
