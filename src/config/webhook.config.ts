import { registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';

/** Parses a body size such as `1mb`, `512kb` or `100000` into bytes. */
export function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[
    (match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'
  ];
  return Math.floor(Number(match[1]) * unit);
}

export const webhookConfig = registerAs('webhook', () => {
  const env = validateEnvironment(process.env);
  return {
    path: env.WEBHOOK_PATH ?? '/message/forward',
    bodyLimitBytes: parseByteSize(env.BODY_LIMIT ?? '1mb'),
    // Kommunicate posts every message of an account from few addresses: room for 100 a second.
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE ?? 6000,
  };
});
