import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingHttpHeaders } from 'node:http';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { matchesAny } from '../../common/security/constant-time';
import type { AllConfig } from '../../config/all-config';

const BASIC = /^basic[ \t]+([A-Za-z0-9+/_-]+={0,2})[ \t]*$/i;

/** The bare token inside `Basic <base64(token)>`, or null when the header is not of that form. */
export function tokenFromBasicHeader(header: string | undefined): string | null {
  const match = header ? BASIC.exec(header) : null;
  if (!match) return null;
  const token = Buffer.from(match[1], 'base64').toString('utf8');
  return token.length > 0 ? token : null;
}

/**
 * Kommunicate sends `Authentication: Basic <base64(token)>` (sic); proxies and
 * hand-made requests may use `Authorization`. Either header may carry any of
 * the active tokens, so a token can be rotated without downtime.
 */
@Injectable()
export class WebhookTokens {
  private readonly tokens: readonly string[];

  constructor(config: ConfigService<AllConfig, true>) {
    this.tokens = config.get('security', { infer: true }).webhookTokens;
  }

  /** Throws WEBHOOK.UNAUTHORIZED unless a header carries an active token. */
  check(headers: IncomingHttpHeaders): void {
    const candidates = [headers['authentication'], headers.authorization]
      .map((header) => tokenFromBasicHeader(Array.isArray(header) ? header[0] : header))
      .filter((token): token is string => token !== null);
    // Non-short-circuiting: every candidate is compared against every token.
    const valid = candidates.reduce((ok, token) => matchesAny(token, this.tokens) || ok, false);
    if (!valid) {
      throw new AppException(ErrorCode.Unauthorized, 'Missing or wrong webhook token.', undefined, {
        'WWW-Authenticate': 'Basic realm="kommhook"',
      });
    }
  }
}
