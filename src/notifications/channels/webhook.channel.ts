import { Injectable } from '@nestjs/common';

export class ChannelError extends Error {
  override name = 'ChannelError';
}

/** POSTs JSON to a URL; anything but a 2xx within the timeout is an error. */
@Injectable()
export class WebhookChannel {
  async send(url: string, body: unknown, timeoutMs: number): Promise<void> {
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
      throw new ChannelError(`webhook ${new URL(url).host}: ${reason}`);
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok)
      throw new ChannelError(`webhook ${new URL(url).host}: answered ${response.status}`);
  }
}
