import type { INestApplication, Provider } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables } from '../../src/config/environment';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Clock } from '../../src/common/clock/clock';
import type { Kysely } from 'kysely';
import type { AppTables } from '../../src/app.schema';
import { Database } from '../../src/storage/database';
import { tablesOf } from '../../src/storage/group-commit';
import { storeEnv } from './store';

export const WEBHOOK_TOKEN = 'test-webhook-token-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789abc';

/** Every variable the service reads, from its validated schema: each app gets exactly the ones a test sets. */
const SERVICE_VARIABLES = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
];

export function setServiceEnv(env: Record<string, string | undefined>): void {
  for (const name of SERVICE_VARIABLES) delete process.env[name];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) process.env[name] = value;
  }
}

export const basic = (token: string): string => `Basic ${Buffer.from(token).toString('base64')}`;

export const newDataDir = (): string => mkdtempSync(join(tmpdir(), 'kommhook-test-'));

export interface TestAppOptions {
  /** Reuse a data directory (a restart); a fresh one otherwise. */
  dataDir?: string;
  env?: Record<string, string | undefined>;
  /** Extra providers, e.g. listeners that record what they receive. */
  providers?: Provider[];
  /** Stands in for the service's clock (message received times, business hours). */
  clock?: Clock;
  /** Changes the app before it compiles: `(builder) => builder.overrideProvider(X).useValue(fake)`. */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

export interface TestApp {
  app: INestApplication;
  http: Server;
  /** The app's store, every table typed, for assertions on what was stored. */
  db: Kysely<AppTables>;
  dataDir: string;
  /** POSTs a JSON payload to the webhook with the valid token. */
  deliver(payload: unknown): request.Test;
  admin(path: string): request.Test;
  adminPost(path: string): request.Test;
  close(): Promise<void>;
}

/** Boots the real AppModule on a real store (see store.ts), set up exactly as main.ts does. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? newDataDir();
  setServiceEnv({
    ...(await storeEnv(dataDir)),
    DATA_DIR: dataDir,
    WEBHOOK_TOKENS: WEBHOOK_TOKEN,
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  let builder = Test.createTestingModule({
    imports: [await AppModule.forRoot()],
    providers: options.providers ?? [],
  });
  if (options.clock) builder = builder.overrideProvider(Clock).useValue(options.clock);
  if (options.override) builder = options.override(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, bufferLogs: true });
  configureApp(app);
  await app.init();
  const http = app.getHttpServer() as Server;
  const path = options.env?.WEBHOOK_PATH ?? '/message/forward';
  return {
    app,
    http,
    db: tablesOf<AppTables>(app.get(Database)),
    dataDir,
    deliver: (payload) =>
      request(http)
        .post(path)
        .set('Authentication', basic(WEBHOOK_TOKEN))
        .set('Content-Type', 'application/json')
        .send(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    admin: (adminPath) =>
      request(http).get(adminPath).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    adminPost: (adminPath) =>
      request(http).post(adminPath).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    close: () => app.close(),
  };
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'kommunicate');

/** The sample payloads as Kommunicate sends them, by file name without `.json`. */
export function loadFixtures(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    readdirSync(FIXTURES)
      .filter((file) => file.endsWith('.json'))
      .map((file) => [
        file.replace(/\.json$/, ''),
        JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, unknown>,
      ]),
  );
}

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
}

/** Polls until `check` stops throwing: listeners run after the response. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

let sequence = 0;

/** A valid message with a unique key; override any field. */
export type TestMessage = Record<string, unknown> & { key: string; message: string; from: string };

export function message(overrides: Record<string, unknown> = {}): TestMessage {
  sequence += 1;
  return {
    key: `5-test-${process.pid}-${Date.now()}-${sequence}`,
    from: 'visitor-1',
    groupId: 1000,
    clientGroupId: '1000',
    groupName: 'Conversation',
    message: `hello ${sequence}`,
    timeStamp: Date.now() - 1000,
    receiverConnected: true,
    ...overrides,
  };
}

/** A clock that stands where the test puts it. */
export class FixedClock extends Clock {
  constructor(public at: Date) {
    super();
  }

  override now(): Date {
    return new Date(this.at);
  }
}
