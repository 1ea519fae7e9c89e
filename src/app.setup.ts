import { INestApplication, ValidationPipe } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { securityHeaders } from './common/http/security-headers';
import { validationPipeOptions } from './common/validation/validation.options';
import type { AllConfig } from './config/all-config';

/** Everything main.ts sets on the app besides listening; the e2e helper runs the same. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(new ValidationPipe(validationPipeOptions));
  express.disable('x-powered-by');
  express.use(securityHeaders);
  // req.ip (the rate limit's key) is then the first address no trusted proxy wrote.
  const { trustProxy } = config.get('app', { infer: true });
  express.set('trust proxy', typeof trustProxy === 'number' ? trustProxy : [...trustProxy]);
  setUpApiDocs(app);
}

/** OpenAPI at /docs (page) and /docs-json; the document holds no secrets, so it is public. */
function setUpApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('kommhook')
      .setDescription(
        'Admin API over stored Kommunicate messages, their listener deliveries, and analytics. ' +
          'Every /api route needs `Authorization: Bearer <ADMIN_TOKEN>`.',
      )
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
