import { ConfigService } from '@nestjs/config';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../../common/errors/error-codes';
import type { AllConfig } from '../../config/all-config';
import { tokenFromBasicHeader, WebhookTokens } from './webhook-tokens';

const TOKEN_A = 'webhook-token-A-0123456789';
const TOKEN_B = 'webhook-token-B-abcdefghij';
const TOKEN_C = 'webhook-token-C-ZYXWVUTSRQ';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const basic = (token: string): string => `Basic ${b64(token)}`;

function guardWith(tokens: readonly string[]): WebhookTokens {
  const security: AllConfig['security'] = {
    webhookTokens: [...tokens],
    webhookTokensGenerated: false,
    adminToken: 'admin-token-0123456789abcdef',
    adminTokenGenerated: false,
  };
  return new WebhookTokens(new ConfigService<AllConfig, true>({ security }));
}

/** Node lower-cases incoming header names, so requests only ever have lower-case keys. */
type Headers = Record<string, string | string[] | undefined>;

/** Whether the check lets the headers through (it throws otherwise). */
const passes = (tokens: WebhookTokens, headers: Headers): boolean => {
  tokens.check(headers);
  return true;
};

/** Runs the guard and returns the AppException it threw; fails the test if it did not throw one. */
function rejection(guard: WebhookTokens, context: Headers): AppException {
  let thrown: unknown;
  try {
    guard.check(context);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof AppException)) {
    throw new Error(`expected an AppException, got ${String(thrown)}`);
  }
  return thrown;
}

function expectUnauthorized(guard: WebhookTokens, context: Headers): void {
  const error = rejection(guard, context);
  expect(error.code).toBe('WEBHOOK.UNAUTHORIZED');
  expect(error.code).toBe(ErrorCode.Unauthorized);
  expect(HTTP_STATUS_BY_CODE[error.code]).toBe(401);
  expect(error.headers).toEqual({ 'WWW-Authenticate': 'Basic realm="kommhook"' });
  expect(error.errors).toBeUndefined();
}

describe('WebhookTokens', () => {
  const guard = guardWith([TOKEN_A]);

  describe('accepts', () => {
    it('the right token in the Authentication header (Kommunicate’s spelling)', () => {
      expect(passes(guard, { authentication: basic(TOKEN_A) })).toBe(true);
    });

    it('the right token in the Authorization header', () => {
      expect(passes(guard, { authorization: basic(TOKEN_A) })).toBe(true);
    });

    it('a lower-case "basic" scheme', () => {
      expect(passes(guard, { authentication: `basic ${b64(TOKEN_A)}` })).toBe(true);
    });

    it('an upper-case "BASIC" scheme', () => {
      expect(passes(guard, { authorization: `BASIC ${b64(TOKEN_A)}` })).toBe(true);
    });

    it('a tab and several spaces after the scheme, and trailing blanks', () => {
      expect(passes(guard, { authorization: `Basic \t  ${b64(TOKEN_A)} \t` })).toBe(true);
    });

    it('the token base64url-encoded without padding', () => {
      const encoded = Buffer.from(TOKEN_A).toString('base64url');
      expect(passes(guard, { authentication: `Basic ${encoded}` })).toBe(true);
    });

    it('a right token in one header when the other carries a wrong one', () => {
      expect(
        passes(guard, {
          authentication: basic('wrong-token-0123456789'),
          authorization: basic(TOKEN_A),
        }),
      ).toBe(true);
      expect(
        passes(guard, {
          authentication: basic(TOKEN_A),
          authorization: basic('wrong-token-0123456789'),
        }),
      ).toBe(true);
    });

    it('the first value when a header arrives as an array', () => {
      expect(passes(guard, { authentication: [basic(TOKEN_A), basic('other')] })).toBe(true);
    });
  });

  describe('with several active tokens', () => {
    const rotating = guardWith([TOKEN_A, TOKEN_B, TOKEN_C]);

    it.each([TOKEN_A, TOKEN_B, TOKEN_C])('lets %s through in either header', (token) => {
      expect(passes(rotating, { authentication: basic(token) })).toBe(true);
      expect(passes(rotating, { authorization: basic(token) })).toBe(true);
    });

    it('still rejects a token that is none of them', () => {
      expectUnauthorized(rotating, { authentication: basic('webhook-token-D-0000000000') });
    });
  });

  describe('rejects with 401 WEBHOOK.UNAUTHORIZED and WWW-Authenticate', () => {
    it('a wrong token', () => {
      expectUnauthorized(guard, { authentication: basic('wrong-token-0123456789') });
      expectUnauthorized(guard, { authorization: basic('wrong-token-0123456789') });
    });

    it('a wrong token in both headers', () => {
      expectUnauthorized(guard, {
        authentication: basic('wrong-1'),
        authorization: basic('wrong-2'),
      });
    });

    it('a token that is a prefix of the valid token', () => {
      expectUnauthorized(guard, { authentication: basic(TOKEN_A.slice(0, -1)) });
      expectUnauthorized(guard, { authentication: basic('webhook-token') });
    });

    it('a token that extends the valid token', () => {
      expectUnauthorized(guard, { authentication: basic(`${TOKEN_A}x`) });
    });

    it('the valid token in a different case', () => {
      expectUnauthorized(guard, { authentication: basic(TOKEN_A.toUpperCase()) });
    });

    it('the valid token sent without base64 encoding', () => {
      expectUnauthorized(guard, { authentication: `Basic ${TOKEN_A}` });
    });

    it('garbage that is not base64', () => {
      expectUnauthorized(guard, { authentication: 'Basic !!!not*base64???' });
      expectUnauthorized(guard, { authentication: 'Basic %%%%' });
      expectUnauthorized(guard, { authentication: `Basic ${b64(TOKEN_A)} extra` });
    });

    it('base64 that decodes to bytes other than a token', () => {
      expectUnauthorized(guard, { authentication: 'Basic AAAA' });
      expectUnauthorized(guard, { authentication: 'Basic ////' });
    });

    it('the token as user:password Basic credentials', () => {
      expectUnauthorized(guard, { authorization: basic(`kommunicate:${TOKEN_A}`) });
    });

    it('a Bearer scheme carrying the token, raw or encoded', () => {
      expectUnauthorized(guard, { authorization: `Bearer ${TOKEN_A}` });
      expectUnauthorized(guard, { authorization: `Bearer ${b64(TOKEN_A)}` });
      expectUnauthorized(guard, { authentication: `Bearer ${b64(TOKEN_A)}` });
    });

    it('a scheme with no space before the credentials', () => {
      expectUnauthorized(guard, { authentication: `Basic${b64(TOKEN_A)}` });
    });

    it('an empty header', () => {
      expectUnauthorized(guard, { authentication: '' });
      expectUnauthorized(guard, { authorization: '' });
    });

    it('a scheme with no credentials', () => {
      expectUnauthorized(guard, { authentication: 'Basic' });
      expectUnauthorized(guard, { authentication: 'Basic ' });
      expectUnauthorized(guard, { authentication: 'Basic =' });
    });

    it('no authentication header at all', () => {
      expectUnauthorized(guard, {});
      expectUnauthorized(guard, { 'content-type': 'application/json' });
    });

    it('the token in an unrelated header', () => {
      expectUnauthorized(guard, { 'x-authentication': basic(TOKEN_A) });
    });
  });
});

describe('tokenFromBasicHeader', () => {
  it('decodes the bare token from "Basic <base64>"', () => {
    expect(tokenFromBasicHeader(basic(TOKEN_A))).toBe(TOKEN_A);
    expect(tokenFromBasicHeader(`bAsIc ${b64('é-token')}`)).toBe('é-token');
  });

  it('is null for a missing, empty or non-Basic header', () => {
    expect(tokenFromBasicHeader(undefined)).toBeNull();
    expect(tokenFromBasicHeader('')).toBeNull();
    expect(tokenFromBasicHeader(`Bearer ${b64(TOKEN_A)}`)).toBeNull();
    expect(tokenFromBasicHeader('Basic !!!')).toBeNull();
  });

  it('is null when the credentials decode to nothing', () => {
    expect(tokenFromBasicHeader('Basic ==')).toBeNull();
    expect(tokenFromBasicHeader('Basic A')).toBeNull();
  });
});
