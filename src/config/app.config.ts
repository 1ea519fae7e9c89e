import { registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';

export const appConfig = registerAs('app', () => {
  const env = validateEnvironment(process.env);
  return {
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    logLevel: env.LOG_LEVEL ?? 'info',
    trustProxy: env.TRUST_PROXY ?? false,
    /** /metrics without the admin token, for a scraper inside a trusted network. */
    metricsPublic: env.METRICS_PUBLIC ?? false,
  };
});
