import type { NextFunction, Request, Response } from 'express';

const API = /^\/api(?:\/|$)/;

/**
 * Set before routing, so errors (a 401, a 404) carry them too: `nosniff` on
 * every answer, as each declares its type; `no-store` under /api, whose
 * answers hold stored messages that no cache should keep.
 */
export function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (API.test(request.path)) response.setHeader('Cache-Control', 'no-store');
  next();
}
