import { INestApplication, ValidationPipe } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECURITY_SCHEMES } from './common/openapi/security-schemes';
import { securityHeaders } from './common/http/security-headers';
import { validationPipeOptions } from './common/validation/validation.options';
import type { AllConfig } from './config/all-config';
import type { Application } from 'express';
import type { Server } from 'node:http';
import { TrustProxy, WebhookEndpoint } from './webhook/webhook.endpoint';
import { webhookPathItem } from './webhook/webhook.openapi';

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
  // Ahead of Express itself: the webhook is the hot path.
  app
    .get(WebhookEndpoint)
    .mount(
      app.getHttpServer() as Server,
      (app.getHttpAdapter().getInstance() as Application).get('trust proxy fn') as TrustProxy,
    );
  setUpApiDocs(app);
}

/**
 * OpenAPI at /docs (page), /docs-json and /docs-yaml; the document holds no
 * secrets, so it is public. Its version is the package's.
 */
function setUpApiDocs(app: INestApplication): void {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const builder = new DocumentBuilder()
    .setTitle('kommhook')
    .setVersion(version)
    .setDescription(
      "Kommunicate's message webhook (`Authentication: Basic <base64 of a WEBHOOK_TOKENS token>`), " +
        'and the admin API over stored messages, their listener deliveries, notifications and ' +
        'analytics: every /api route needs `Authorization: Bearer <ADMIN_TOKEN>`.',
    );
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) builder.addSecurity(name, scheme);
  const document = SwaggerModule.createDocument(app, builder.build());
  const webhookPath = app.get<ConfigService<AllConfig, true>>(ConfigService).get('webhook', {
    infer: true,
  }).path;
  document.paths = { [webhookPath]: webhookPathItem(), ...document.paths };
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}
