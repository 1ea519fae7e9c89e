import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { AllConfig } from '../../config/all-config';

const WINDOW_MS = 60_000;
const PRUNE_ABOVE = 10_000;

interface Window {
  start: number;
  count: number;
}

/**
 * A fixed one-minute window per client address, checked before the token so
 * that guessing tokens is throttled too. `RATE_LIMIT_PER_MINUTE=0` turns it off.
 */
@Injectable()
export class RateLimiter {
  private readonly limit: number;
  private readonly windows = new Map<string, Window>();

  constructor(config: ConfigService<AllConfig, true>) {
    this.limit = config.get('webhook', { infer: true }).rateLimitPerMinute;
  }

  /** Counts a request from `client` (its address); throws WEBHOOK.RATE_LIMITED over the limit. */
  check(client: string): void {
    if (this.limit === 0) return;
    const now = Date.now();
    let window = this.windows.get(client);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= PRUNE_ABOVE) this.prune(now);
      window = { start: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count > this.limit) {
      const retryAfter = Math.ceil((window.start + WINDOW_MS - now) / 1000);
      throw new AppException(
        ErrorCode.RateLimited,
        `More than ${this.limit} requests a minute from this client.`,
        undefined,
        { 'Retry-After': String(retryAfter) },
      );
    }
  }

  private prune(now: number): void {
    for (const [client, window] of this.windows) {
      if (now - window.start >= WINDOW_MS) this.windows.delete(client);
    }
  }
}
