/** Every error answer carries one of these codes; clients match on them, not on messages. */
export const ErrorCode = {
  Unauthorized: 'WEBHOOK.UNAUTHORIZED',
  MalformedJson: 'WEBHOOK.MALFORMED_JSON',
  UnsupportedMediaType: 'WEBHOOK.UNSUPPORTED_MEDIA_TYPE',
  PayloadTooLarge: 'WEBHOOK.PAYLOAD_TOO_LARGE',
  InvalidPayload: 'WEBHOOK.INVALID_PAYLOAD',
  RateLimited: 'WEBHOOK.RATE_LIMITED',
  StoreUnavailable: 'WEBHOOK.STORE_UNAVAILABLE',
  WebhookMethodNotAllowed: 'WEBHOOK.METHOD_NOT_ALLOWED',
  AdminUnauthorized: 'ADMIN.UNAUTHORIZED',
  InvalidQuery: 'ADMIN.INVALID_QUERY',
  AdminNotFound: 'ADMIN.NOT_FOUND',
  NotReady: 'HEALTH.NOT_READY',
  NotFound: 'HTTP.NOT_FOUND',
  MethodNotAllowed: 'HTTP.METHOD_NOT_ALLOWED',
  BadRequest: 'HTTP.BAD_REQUEST',
  Internal: 'INTERNAL.ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one place where an error code becomes an HTTP status. */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.MalformedJson]: 400,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.InvalidPayload]: 400,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.StoreUnavailable]: 503,
  [ErrorCode.WebhookMethodNotAllowed]: 405,
  [ErrorCode.AdminUnauthorized]: 401,
  [ErrorCode.InvalidQuery]: 400,
  [ErrorCode.AdminNotFound]: 404,
  [ErrorCode.NotReady]: 503,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Internal]: 500,
};
