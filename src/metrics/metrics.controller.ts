import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AllConfig } from '../config/all-config';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { Registry } from 'prom-client';
import { Metrics } from './metrics';

/** The admin token, unless METRICS_PUBLIC=true lets a scraper in without one. */
@Injectable()
class MetricsAccessGuard implements CanActivate {
  private readonly public: boolean;

  constructor(
    private readonly admin: AdminTokenGuard,
    config: ConfigService<AllConfig, true>,
  ) {
    this.public = config.get('app', { infer: true }).metricsPublic;
  }

  canActivate(context: ExecutionContext): boolean {
    return this.public || this.admin.canActivate(context);
  }
}

@ApiTags('operation')
@ApiBearerAuth()
@Controller('metrics')
@UseGuards(MetricsAccessGuard)
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

export const metricsProviders = [MetricsAccessGuard, AdminTokenGuard];
