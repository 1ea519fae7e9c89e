import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import {
  CONVERSATION_STARTED,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
} from '../src/messages';
import { createTestApp, removeDataDir, TestApp } from './support/test-app';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; headers?: Record<string, unknown> }>;
}

interface OpenApiDocument {
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>> };
}

const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await request(t.http).get('/docs-json').expect(200)).body as OpenApiDocument;
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const operations = (): [string, string, Operation][] =>
    Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]): [string, string, Operation] => [
        method,
        path,
        op,
      ]),
    );

  it("carries the package's version, at /docs-json and /docs-yaml alike", async () => {
    expect(doc.info.version).toBe(version);
    const yaml = await request(t.http).get('/docs-yaml').expect(200);
    expect(yaml.headers['content-type']).toMatch(/yaml/);
    expect(parse(yaml.text)).toEqual(doc);
  });

  it('describes the admin token as a plain bearer token and the webhook token as its headers', () => {
    const schemes = doc.components.securitySchemes;
    // The admin token is an opaque string: no scheme may claim a JWT.
    expect(Object.values(schemes).filter((scheme) => 'bearerFormat' in scheme)).toEqual([]);
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.bearer.description).toContain('ADMIN_TOKEN');
    expect(schemes.webhookAuthentication).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authentication',
    });
    expect(schemes.webhookAuthorization).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
    });
    for (const scheme of [schemes.webhookAuthentication, schemes.webhookAuthorization]) {
      expect(scheme.description).toContain('Basic <base64 of the bare token>');
    }
  });

  it('documents every answer of the webhook, with its code, and either header as its security', () => {
    const webhook = doc.paths['/message/forward'].post;
    expect(webhook.security).toEqual([{ webhookAuthentication: [] }, { webhookAuthorization: [] }]);
    expect(Object.keys(webhook.responses).sort()).toEqual(
      ['200', '400', '401', '405', '413', '415', '429', '503'].sort(),
    );
    const codes: Record<string, string[]> = {
      400: ['WEBHOOK.MALFORMED_JSON', 'WEBHOOK.INVALID_PAYLOAD'],
      401: ['WEBHOOK.UNAUTHORIZED'],
      405: ['WEBHOOK.METHOD_NOT_ALLOWED'],
      413: ['WEBHOOK.PAYLOAD_TOO_LARGE'],
      415: ['WEBHOOK.UNSUPPORTED_MEDIA_TYPE'],
      429: ['WEBHOOK.RATE_LIMITED'],
      503: ['WEBHOOK.STORE_UNAVAILABLE'],
    };
    for (const [status, expected] of Object.entries(codes)) {
      for (const code of expected) expect(webhook.responses[status].description).toContain(code);
    }
    expect(webhook.responses['401'].headers).toHaveProperty('WWW-Authenticate');
    expect(webhook.responses['405'].headers).toHaveProperty('Allow');
    expect(webhook.responses['429'].headers).toHaveProperty('Retry-After');
  });

  it('requires the bearer scheme on every /api operation, and the server enforces it', async () => {
    const admin = operations().filter(([, path]) => path.startsWith('/api/'));
    expect(admin.length).toBeGreaterThanOrEqual(11);
    for (const [method, path, op] of admin) {
      expect({ method, path, security: op.security }).toEqual({
        method,
        path,
        security: [{ bearer: [] }],
      });
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const answer = await request(t.http)[method as 'get' | 'post'](url).expect(401);
      expect(answer.body).toMatchObject({ code: 'ADMIN.UNAUTHORIZED' });
    }
  });

  it('agrees with docs/contract.md, which the README links to', () => {
    const root = join(__dirname, '..');
    const contract = readFileSync(join(root, 'docs', 'contract.md'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/contract.md)');
    expect(readme).not.toContain('SPEC.md');
    const webhook = doc.paths['/message/forward'].post;
    for (const [status, response] of Object.entries(webhook.responses)) {
      expect(contract).toMatch(new RegExp(`^\\| ${status} `, 'm'));
      for (const code of response.description.match(/WEBHOOK\.[A-Z_]+/g) ?? []) {
        expect(contract).toContain(`\`${code}\``);
      }
    }
    for (const event of [MESSAGE_RECEIVED, MESSAGE_ATTACHMENT_RECEIVED, CONVERSATION_STARTED]) {
      expect(contract).toContain(`\`${event}\``);
    }
  });

  it('leaves the health checks open', () => {
    for (const [, path, op] of operations().filter(([, p]) => p.startsWith('/health/'))) {
      expect({ path, security: op.security }).toEqual({ path, security: undefined });
    }
  });
});
