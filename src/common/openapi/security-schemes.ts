import type { SecuritySchemeObject } from '@nestjs/swagger';

/** The admin token on /api and /metrics; `@ApiBearerAuth()` refers to it by this default name. */
export const ADMIN_BEARER = 'bearer';
/** The webhook token as Kommunicate sends it. */
export const WEBHOOK_AUTHENTICATION = 'webhookAuthentication';
/** The same token in the standard header, for proxies and hand-made requests. */
export const WEBHOOK_AUTHORIZATION = 'webhookAuthorization';

const WEBHOOK_TOKEN_FORMAT =
  '`Basic <base64 of the bare token>` (token `abcdef` → `Basic YWJjZGVm`), not of `user:password`; ' +
  'any of WEBHOOK_TOKENS.';

// The webhook header is not HTTP Basic (no `user:password`), and Kommunicate
// spells it `Authentication`: an API key in a named header says so honestly.
export const SECURITY_SCHEMES: Record<string, SecuritySchemeObject> = {
  [ADMIN_BEARER]: {
    type: 'http',
    scheme: 'bearer',
    description:
      '`Authorization: Bearer <ADMIN_TOKEN>`. The token is an opaque string (generated on first ' +
      'start or set with ADMIN_TOKEN), not a JWT.',
  },
  [WEBHOOK_AUTHENTICATION]: {
    type: 'apiKey',
    in: 'header',
    name: 'Authentication',
    description: `Kommunicate's webhook header: ${WEBHOOK_TOKEN_FORMAT}`,
  },
  [WEBHOOK_AUTHORIZATION]: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: `Also accepted in place of \`Authentication\`: ${WEBHOOK_TOKEN_FORMAT}`,
  },
};
