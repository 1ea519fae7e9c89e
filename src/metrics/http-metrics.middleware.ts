import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics';

/**
 * Times every request to its answer. The route is the matched pattern
 * (`/api/messages/:key`), never the raw URL, so that label values stay few.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({
        method: req.method,
        route: route === undefined ? 'unmatched' : `${req.baseUrl}${route}`,
        status: String(res.statusCode),
      });
    });
    next();
  }
}
