import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Selectable, Updateable } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AllConfig } from '../config/all-config';
import { INBOX_MIGRATIONS } from '../inbox/inbox.migrations';
import { SqlMessageStore } from '../inbox/sql-message-store';
import {
  type AnyDomainEvent,
  CONVERSATION_STARTED,
  MESSAGE_RECEIVED,
  type ReceivedMessage,
} from '../messages';
import { Metrics } from '../metrics/metrics';
import type { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { openSqlite } from '../storage/sqlite/open-sqlite';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryPoller } from './delivery-poller';
import { DeliveryMetrics } from './delivery.metrics';
import { DELIVERY_MIGRATIONS } from './delivery.migrations';
import type { DeliveriesTable, DeliveryTables } from './delivery.tables';
import type { DeliveryContext, DurableHandler } from './durable-listener.decorator';
import { ListenerRegistry } from './listener-registry';
import { SqlDeliveryStore } from './sql-delivery-store';
import { messageFixture } from './testing';

type Settings = AllConfig['delivery'];
const SETTINGS: Settings = {
  retryScheduleMs: [1000, 5000],
  concurrency: 4,
  leaseMs: 60_000,
  pollMs: 20,
};

type Row = Selectable<DeliveriesTable>;

async function until<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Recorder implements DurableHandler<AnyDomainEvent> {
  readonly calls: { key: string; event: string; delivery: DeliveryContext }[] = [];
  gate: Promise<void> | undefined;
  running = 0;

  async handle(event: AnyDomainEvent, delivery: DeliveryContext): Promise<void> {
    this.calls.push({ key: event.message.key, event: event.name, delivery });
    this.running += 1;
    try {
      await this.gate;
    } finally {
      this.running -= 1;
    }
  }
}

describe('DeliveryPoller on a real SQLite store', () => {
  let dir: string;
  let db: Database;
  let deliveries: SqlDeliveryStore;
  let messages: SqlMessageStore;
  let registry: ListenerRegistry;
  let dispatcher: DeliveryDispatcher;
  let poller: DeliveryPoller;
  let handler: Recorder;

  const start = (settings: Settings = SETTINGS) => {
    const config = new ConfigService<AllConfig, true>({ delivery: settings });
    const metrics = new DeliveryMetrics(new Metrics(), deliveries);
    dispatcher = new DeliveryDispatcher(registry, deliveries, metrics, new EventEmitter2(), config);
    poller = new DeliveryPoller(deliveries, messages, registry, dispatcher, config);
  };

  /** A stored message whose deliveries nobody runs: what a crash after the commit leaves. */
  const stored = async (name: 'text-message' | 'attachment-with-metadata' = 'text-message') => {
    const message = messageFixture(name);
    await messages.save(message, '{}', dispatcher.plan(message).write);
    return message;
  };

  const table = () => tablesOf<DeliveryTables>(db);

  const set = (key: string, values: Updateable<DeliveriesTable>) =>
    table().updateTable('deliveries').set(values).where('message_key', '=', key).execute();

  const rowOf = async (key: string): Promise<Row> =>
    table()
      .selectFrom('deliveries')
      .selectAll()
      .where('message_key', '=', key)
      .executeTakeFirstOrThrow();

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-poller-'));
    db = await openSqlite(join(dir, 'store.sqlite'), {
      busyTimeoutMs: 1000,
      migrations: [INBOX_MIGRATIONS, DELIVERY_MIGRATIONS],
    });
    deliveries = new SqlDeliveryStore(db);
    messages = new SqlMessageStore(db);
    registry = new ListenerRegistry(new DiscoveryService(new ModulesContainer()));
    handler = new Recorder();
    registry.register({ name: 'recorder', events: [MESSAGE_RECEIVED], handler });
    start();
  });

  afterEach(async () => {
    await poller.beforeApplicationShutdown();
    await dispatcher.beforeApplicationShutdown();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('at start-up claims what is due (retries, expired leases, replays) and nothing else', async () => {
    const now = Date.now();
    const retry = await stored();
    await set(retry.key, { status: 'failed', attempts: 1, next_attempt_at: now - 1000 });
    const notYet = await stored();
    await set(notYet.key, { status: 'failed', attempts: 1, next_attempt_at: now + 60_000 });
    const expired = await stored();
    await set(expired.key, { next_attempt_at: now - 1 });
    const leased = await stored();
    const replayed = await stored();
    await set(replayed.key, { status: 'pending', attempts: 0, next_attempt_at: now });
    const done = await stored();
    await set(done.key, { status: 'done', attempts: 1, next_attempt_at: null });
    const dead = await stored();
    await set(dead.key, { status: 'dead', attempts: 2, next_attempt_at: null });
    const leaseOf = Number((await rowOf(leased.key)).next_attempt_at);

    poller.onApplicationBootstrap();
    await until(() => expect(handler.calls).toHaveLength(3));
    await pause(3 * SETTINGS.pollMs);

    // Each once, told its attempt: one more than the attempts recorded.
    expect(handler.calls.map((call) => [call.key, call.delivery.attempt]).sort()).toEqual(
      [
        [retry.key, 2],
        [expired.key, 1],
        [replayed.key, 1],
      ].sort(),
    );
    for (const [message, attempts] of [
      [retry, 2],
      [expired, 1],
      [replayed, 1],
    ] as const) {
      await until(async () =>
        expect(await rowOf(message.key)).toMatchObject({ status: 'done', attempts }),
      );
    }
    expect(await rowOf(notYet.key)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await rowOf(leased.key)).toMatchObject({ status: 'running', attempts: 0 });
    expect(Number((await rowOf(leased.key)).next_attempt_at)).toBe(leaseOf);
    expect(await rowOf(done.key)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await rowOf(dead.key)).toMatchObject({ status: 'dead', attempts: 2 });
  });

  it('leases what it claims, and takes a retry again once it comes due', async () => {
    const message = await stored();
    await set(message.key, { status: 'failed', attempts: 1, next_attempt_at: Date.now() + 400 });
    let release!: () => void;
    handler.gate = new Promise<void>((resolve) => (release = resolve));

    poller.kick();
    await pause(60);
    expect(handler.calls).toEqual([]);
    const claimedAt = Date.now();
    await until(() => expect(handler.calls).toHaveLength(1), 2000);
    const row = await rowOf(message.key);
    expect(row.status).toBe('running');
    expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual(claimedAt + SETTINGS.leaseMs - 100);
    release();
    await until(async () => expect((await rowOf(message.key)).status).toBe('done'));
  });

  it('buries what cannot run in this build: an unknown listener, an event it cannot rebuild', async () => {
    const renamed = await stored();
    await set(renamed.key, { listener: 'recorder-old-name', next_attempt_at: Date.now() - 1 });
    // A conversation.started delivery of a message that started nothing: its event is gone.
    registry.register({ name: 'starts', events: [CONVERSATION_STARTED], handler: new Recorder() });
    const orphan = await stored();
    const ORPHAN_ID = '00000000-0000-7000-8000-000000000001';
    await table()
      .insertInto('deliveries')
      .values({
        ...(await rowOf(orphan.key)),
        id: ORPHAN_ID,
        event_name: CONVERSATION_STARTED,
        event_id: '00000000-0000-5000-8000-000000000001',
        listener: 'starts',
        status: 'failed',
        attempts: 3,
        next_attempt_at: Date.now() - 1,
      })
      .execute();

    poller.kick();
    await until(async () => expect((await rowOf(renamed.key)).status).toBe('dead'));
    expect(await rowOf(renamed.key)).toMatchObject({
      attempts: 0,
      next_attempt_at: null,
      last_error: 'listener not registered',
    });
    const buried = await until(async () => {
      const row = await table()
        .selectFrom('deliveries')
        .selectAll()
        .where('id', '=', ORPHAN_ID)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('dead');
      return row;
    });
    expect(buried).toMatchObject({ attempts: 3, last_error: 'its event can no longer be built' });
    expect(handler.calls).toEqual([]);
  });

  it('claims no more than can start soon, and the rest as room is made', async () => {
    start({ ...SETTINGS, concurrency: 1 });
    // Room: concurrency 1 × 1 event with listeners × 2.
    const sent: ReceivedMessage[] = [];
    for (let i = 0; i < 5; i += 1) sent.push(await stored());
    const due = Date.now() - 1;
    for (const message of sent) await set(message.key, { status: 'pending', next_attempt_at: due });
    let release!: () => void;
    handler.gate = new Promise<void>((resolve) => (release = resolve));

    poller.kick();
    await until(() => expect(handler.running).toBe(1));
    await pause(5 * SETTINGS.pollMs);
    const statuses = async () =>
      (await Promise.all(sent.map((message) => rowOf(message.key)))).map((row) => row.status);
    expect((await statuses()).filter((status) => status === 'running')).toHaveLength(2);
    expect((await statuses()).filter((status) => status === 'pending')).toHaveLength(3);
    expect(dispatcher.backlog()).toBe(2);

    release();
    await until(async () => expect(await statuses()).toEqual(sent.map(() => 'done')));
    expect(new Set(handler.calls.map((call) => call.key))).toEqual(
      new Set(sent.map((message) => message.key)),
    );
    expect(handler.calls).toHaveLength(5);
  });

  it('claims nothing more once shut down', async () => {
    await poller.beforeApplicationShutdown();
    const message = await stored();
    await set(message.key, { status: 'pending', next_attempt_at: Date.now() - 1 });
    poller.kick();
    await pause(5 * SETTINGS.pollMs);
    expect(await rowOf(message.key)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(handler.calls).toEqual([]);
  });
});
