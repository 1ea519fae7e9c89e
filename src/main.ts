import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigService } from '@nestjs/config';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AllConfig } from './config/all-config';
import { enableGracefulShutdown } from './graceful-shutdown';
import { startupBanner } from './startup-banner';

async function bootstrap(): Promise<void> {
  // Nest's own body parser is off: the webhook reads its body itself, after authentication.
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  configureApp(app);
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { port, host } = config.get('app', { infer: true });
  await app.listen(port, host);

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
  // A configuration error names the variable; say that, without a stack.
  process.stderr.write(
    `kommhook could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
