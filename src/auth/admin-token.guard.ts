import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { AllConfig } from '../config/all-config';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { constantTimeEquals } from '../common/security/constant-time';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** `Authorization: Bearer <ADMIN_TOKEN>` on everything under /api. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: string;

  constructor(config: ConfigService<AllConfig, true>) {
    this.token = config.get('security', { infer: true }).adminToken;
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const presented = header ? BEARER.exec(header)?.[1] : undefined;
    if (presented === undefined || !constantTimeEquals(presented, this.token)) {
      throw new AppException(
        ErrorCode.AdminUnauthorized,
        'Missing or wrong admin token.',
        undefined,
        {
          'WWW-Authenticate': 'Bearer realm="kommhook-admin"',
        },
      );
    }
    return true;
  }
}
