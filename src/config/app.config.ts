import { registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';

export const appConfig = registerAs('app', () => {
  const env = validateEnvironment(process.env);
  return {
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    logLevel: env.LOG_LEVEL ?? 'info',
    /** Hops or proxy addresses whose X-Forwarded-For is believed; 0: none. */
    trustProxy: env.TRUST_PROXY ?? 0,
    /** /metrics without the admin token, for a scraper inside a trusted network. */
    metricsPublic: env.METRICS_PUBLIC ?? false,
  };
});
