import type { PathItemObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorCode } from '../common/errors/error-codes';
import { errorBodySchema } from '../common/openapi/error-body.schema';
import { WEBHOOK_AUTHENTICATION, WEBHOOK_AUTHORIZATION } from '../common/openapi/security-schemes';

/** The webhook's entry in the OpenAPI document: WebhookEndpoint serves it, not a controller. */
export function webhookPathItem(): PathItemObject {
  return {
    post: {
      tags: ['webhook'],
      summary: "Kommunicate's message webhook",
      description:
        'The token goes in `Authentication` (as Kommunicate sends it) or `Authorization`: ' +
        '`Basic <base64 of a WEBHOOK_TOKENS token>`. Checks run cheapest first: rate limit and ' +
        'token from the headers alone, then a declared Content-Length over BODY_LIMIT, then the ' +
        'body (size, content type, JSON, fields). 200 only after the message is committed; the ' +
        'listeners run after the answer. Any method other than POST gets 405 with `Allow: POST`.',
      // Two requirements: either header will do.
      security: [{ [WEBHOOK_AUTHENTICATION]: [] }, { [WEBHOOK_AUTHORIZATION]: [] }],
      requestBody: {
        required: true,
        description: 'A Kommunicate message, as docs/contract.md describes it.',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      responses: {
        200: {
          description: 'Committed: `accepted`, or `duplicate` for a key already stored.',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'key'],
                properties: {
                  status: { type: 'string', enum: ['accepted', 'duplicate'] },
                  key: { type: 'string' },
                },
              },
            },
          },
        },
        400: error(
          `${ErrorCode.MalformedJson}: not JSON, not UTF-8, or empty. ${ErrorCode.InvalidPayload}: a field missing or wrong, one \`errors\` entry per field.`,
          [ErrorCode.MalformedJson, ErrorCode.InvalidPayload],
        ),
        401: error(
          `${ErrorCode.Unauthorized}: no token, or a wrong one.`,
          [ErrorCode.Unauthorized],
          {
            'WWW-Authenticate': { schema: { type: 'string', example: 'Basic realm="kommhook"' } },
          },
        ),
        405: error(
          `${ErrorCode.WebhookMethodNotAllowed}: a method other than POST on the webhook path.`,
          [ErrorCode.WebhookMethodNotAllowed],
          { Allow: { schema: { type: 'string', example: 'POST' } } },
        ),
        413: error(
          `${ErrorCode.PayloadTooLarge}: the body (or its declared Content-Length) is over BODY_LIMIT.`,
          [ErrorCode.PayloadTooLarge],
        ),
        415: error(
          `${ErrorCode.UnsupportedMediaType}: the content type is not application/json, or the body is compressed.`,
          [ErrorCode.UnsupportedMediaType],
        ),
        429: error(
          `${ErrorCode.RateLimited}: more than RATE_LIMIT_PER_MINUTE requests from this client.`,
          [ErrorCode.RateLimited],
          { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds' } },
        ),
        503: error(
          `${ErrorCode.StoreUnavailable}: the store could not commit; nothing was stored, retry.`,
          [ErrorCode.StoreUnavailable],
          { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds' } },
        ),
      },
    },
  };
}

function error(
  description: string,
  codes: string[],
  headers?: Record<string, { schema: { type: string; example?: string }; description?: string }>,
) {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: errorBodySchema(...codes) } },
  };
}
