import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigService } from '@nestjs/config';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AllConfig } from './config/all-config';
import { ConfigurationError, reasonOf } from './config/environment';
import { enableGracefulShutdown } from './graceful-shutdown';
import { startupBanner } from './startup-banner';

async function bootstrap(): Promise<void> {
  // The service reads .env from its working directory; nothing else does (tests stay hermetic).
  const appModule = await AppModule.forRoot({ envFile: '.env' });
  // Nest's own body parser is off: the webhook reads its body itself, after authentication.
  const app = await NestFactory.create<NestExpressApplication>(appModule, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
    // Held until the JSON logger is in place; a failed start prints only its own line below.
    autoFlushLogs: false,
  });
  configureApp(app);
  app.flushLogs();
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get('app', { infer: true });
  await app.init();
  await app.listen(port, host).catch((error: unknown) => {
    throw new ConfigurationError(`PORT: cannot listen on ${host}:${port} (${reasonOf(error)})`);
  });

  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  process.stdout.write(
    startupBanner(
      {
        app: config.get('app', { infer: true }),
        webhook: config.get('webhook', { infer: true }),
        security: config.get('security', { infer: true }),
        storage: config.get('storage', { infer: true }),
      },
      `http://${shownHost}:${port}`,
    ),
  );

  enableGracefulShutdown(app);
}

bootstrap().catch((error: unknown) => {
  // A configuration error names the variable; say that, without a stack unless debugging.
  process.stderr.write(
    `kommhook could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  if (error instanceof Error && /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '')) {
    process.stderr.write(`${error.stack}\n`);
  }
  process.exit(1);
});
