import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Selectable } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AllConfig } from '../config/all-config';
import { INBOX_MIGRATIONS } from '../inbox/inbox.migrations';
import { SqlMessageStore } from '../inbox/sql-message-store';
import {
  type AnyDomainEvent,
  CONVERSATION_STARTED,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  type ReceivedMessage,
} from '../messages';
import { Metrics } from '../metrics/metrics';
import type { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { openSqlite } from '../storage/sqlite/open-sqlite';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { NotDueError, PermanentDeliveryError, RetryAfterError } from './delivery.errors';
import { DeliveryMetrics } from './delivery.metrics';
import { DELIVERY_MIGRATIONS } from './delivery.migrations';
import type { DeliveriesTable, DeliveryTables } from './delivery.tables';
import type { DeliveryContext, DurableHandler } from './durable-listener.decorator';
import { deliveryId, ListenerRegistry } from './listener-registry';
import { SqlDeliveryStore } from './sql-delivery-store';
import { messageFixture } from './testing';

type Settings = AllConfig['delivery'];
const SETTINGS: Settings = {
  retryScheduleMs: [1000, 5000],
  concurrency: 2,
  leaseMs: 60_000,
  pollMs: 1000,
};

type Row = Selectable<DeliveriesTable>;

/** Polls until `check` stops throwing: attempts run after dispatch returns. */
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

/** A handler that records what it is handed and does what the test scripts. */
class Scripted implements DurableHandler<AnyDomainEvent> {
  readonly calls: { key: string; delivery: DeliveryContext }[] = [];
  /** Thrown by the next calls, one each. */
  readonly failures: Error[] = [];
  /** Held open until released, to keep an attempt running. */
  gate: Promise<void> | undefined;
  running = 0;
  mostAtOnce = 0;

  constructor(readonly accepts?: (event: AnyDomainEvent) => boolean) {}

  async handle(event: AnyDomainEvent, delivery: DeliveryContext): Promise<void> {
    this.calls.push({ key: event.message.key, delivery });
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await this.gate;
      const failure = this.failures.shift();
      if (failure) throw failure;
    } finally {
      this.running -= 1;
    }
  }
}

/** A handler that takes batches: one call per batch, failing any batch holding a `bad` key. */
class Batching implements DurableHandler<AnyDomainEvent> {
  readonly batches: { keys: string[]; attempts: number[] }[] = [];
  readonly bad = new Set<string>();

  constructor(readonly batchDelayMs = 0) {}

  handle(): Promise<void> {
    return Promise.reject(new Error('a batch listener is handed batches'));
  }

  handleBatch(events: readonly AnyDomainEvent[], deliveries: readonly DeliveryContext[]) {
    const keys = events.map((event) => event.message.key);
    this.batches.push({ keys, attempts: deliveries.map((delivery) => delivery.attempt) });
    const bad = keys.find((key) => this.bad.has(key));
    return bad ? Promise.reject(new Error(`cannot take ${bad}`)) : Promise.resolve();
  }
}

describe('DeliveryDispatcher on a real SQLite store', () => {
  let dir: string;
  let db: Database;
  let deliveries: SqlDeliveryStore;
  let messages: SqlMessageStore;
  let registry: ListenerRegistry;
  let bus: EventEmitter2;
  let dispatcher: DeliveryDispatcher;

  const setUp = (settings: Settings = SETTINGS) => {
    dispatcher = new DeliveryDispatcher(
      registry,
      deliveries,
      new DeliveryMetrics(new Metrics(), deliveries),
      bus,
      new ConfigService<AllConfig, true>({ delivery: settings }),
    );
  };

  /** As the webhook accepts a message: plan, store with the outbox, dispatch after the commit. */
  const accept = async (message: ReceivedMessage) => {
    const outbox = dispatcher.plan(message);
    const saved = await messages.save(message, JSON.stringify({ key: message.key }), outbox.write);
    if (saved.status === 'accepted') dispatcher.dispatch(outbox, saved.conversationStarted);
    return saved;
  };

  const rowsOf = (key: string): Promise<Row[]> =>
    tablesOf<DeliveryTables>(db)
      .selectFrom('deliveries')
      .selectAll()
      .where('message_key', '=', key)
      .orderBy('event_name')
      .orderBy('listener')
      .execute();

  const rowOf = async (key: string, listener: string): Promise<Row> => {
    const row = (await rowsOf(key)).find((each) => each.listener === listener);
    if (!row) throw new Error(`no delivery of ${key} to ${listener}`);
    return row;
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kommhook-dispatcher-'));
    db = await openSqlite(join(dir, 'store.sqlite'), {
      busyTimeoutMs: 1000,
      migrations: [INBOX_MIGRATIONS, DELIVERY_MIGRATIONS],
    });
    deliveries = new SqlDeliveryStore(db);
    messages = new SqlMessageStore(db);
    // Listeners are registered by hand below: nothing to discover.
    registry = new ListenerRegistry(new DiscoveryService(new ModulesContainer()));
    bus = new EventEmitter2();
    setUp();
  });

  afterEach(async () => {
    await dispatcher.beforeApplicationShutdown();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes with the message a row per (event, listener) its filter takes, leased to this process', async () => {
    const all = new Scripted();
    const withFiles = new Scripted();
    registry.register({
      name: 'all',
      events: [MESSAGE_RECEIVED, CONVERSATION_STARTED],
      handler: all,
    });
    registry.register({ name: 'files', events: [MESSAGE_ATTACHMENT_RECEIVED], handler: withFiles });
    const picky = new Scripted((event) => event.message.from !== 'bot');
    registry.register({ name: 'picky', events: [MESSAGE_RECEIVED], handler: picky });

    const before = Date.now();
    const first = messageFixture('attachment-with-metadata', { groupId: 1 });
    // Planned and stored, not yet dispatched: what a crash right after the commit leaves.
    const outbox = dispatcher.plan(first);
    expect(await messages.save(first, '{}', outbox.write)).toEqual({
      status: 'accepted',
      conversationStarted: true,
    });
    const rows = await rowsOf(first.key);
    expect(rows.map((row) => `${row.event_name} → ${row.listener}`)).toEqual([
      'conversation.started → all',
      'message.attachment-received → files',
      'message.received → all',
      'message.received → picky',
    ]);
    const events = outbox.eventsOf(true);
    expect(rows.map((row) => row.id).sort()).toEqual(
      [
        deliveryId(
          events.find((event) => event.name === CONVERSATION_STARTED)!,
          'all',
        ),
        deliveryId(
          events.find((event) => event.name === MESSAGE_ATTACHMENT_RECEIVED)!,
          'files',
        ),
        deliveryId(
          events.find((event) => event.name === MESSAGE_RECEIVED)!,
          'all',
        ),
        deliveryId(
          events.find((event) => event.name === MESSAGE_RECEIVED)!,
          'picky',
        ),
      ].sort(),
    );
    // Leased to this process until the lease ends: the poller leaves them alone until then.
    expect(outbox.leaseUntil).toBeGreaterThanOrEqual(before + SETTINGS.leaseMs);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'running', attempts: 0, last_error: null });
      expect(Number(row.next_attempt_at)).toBe(outbox.leaseUntil);
    }
    expect(
      outbox
        .jobsOf(true)
        .map((job) => job.id)
        .sort(),
    ).toEqual(rows.map((row) => row.id).sort());

    // The second message of the conversation starts nothing; the bot's is filtered out.
    const second = messageFixture('text-message', { groupId: 1, from: 'bot' });
    expect(await accept(second)).toEqual({ status: 'accepted', conversationStarted: false });
    // No handler ran for the first: it was never dispatched.
    await until(() => expect(all.calls.map((call) => call.key)).toEqual([second.key]));
    expect((await rowsOf(second.key)).map((row) => row.listener)).toEqual(['all']);
  });

  it('records a throwing filter as a dead delivery, never failing the message', async () => {
    const handler = new Scripted(() => {
      throw new TypeError('cannot read it');
    });
    registry.register({ name: 'broken', events: [MESSAGE_RECEIVED], handler });
    const message = messageFixture();
    expect((await accept(message)).status).toBe('accepted');
    expect(await rowOf(message.key, 'broken')).toMatchObject({
      status: 'dead',
      attempts: 0,
      next_attempt_at: null,
      last_error: 'accepts() failed: TypeError: cannot read it',
    });
    expect(handler.calls).toEqual([]);
  });

  it('runs a fresh delivery once, with its id and attempt 1, and records it done', async () => {
    const handler = new Scripted();
    registry.register({ name: 'once', events: [MESSAGE_RECEIVED], handler });
    const message = messageFixture();
    await accept(message);

    const row = await until(async () => {
      const current = await rowOf(message.key, 'once');
      expect(current.status).toBe('done');
      return current;
    });
    expect(handler.calls).toEqual([
      { key: message.key, delivery: { deliveryId: row.id, attempt: 1, listener: 'once' } },
    ]);
    expect(row).toMatchObject({ attempts: 1, next_attempt_at: null, last_error: null });
    expect(Number(row.completed_at)).toBeGreaterThanOrEqual(Number(row.last_attempt_at));
  });

  it('schedules a failed attempt on the retry schedule with jitter, then leaves it dead', async () => {
    const handler = new Scripted();
    registry.register({ name: 'flaky', events: [MESSAGE_RECEIVED], handler });
    handler.failures.push(new Error('down'), new Error('still down'), new Error('gone'));
    const message = messageFixture();

    let before = Date.now();
    await accept(message);
    let row = await until(async () => {
      const current = await rowOf(message.key, 'flaky');
      expect(current.status).toBe('failed');
      return current;
    });
    expect(row).toMatchObject({ attempts: 1, last_error: 'Error: down', completed_at: null });
    // 1 s ±20%.
    expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual(before + 800);
    expect(Number(row.next_attempt_at)).toBeLessThanOrEqual(Date.now() + 1200);

    // The poller's part, by hand: claim it once due, hand it over with its attempts so far.
    const retry = async () => {
      const due = Number((await rowOf(message.key, 'flaky')).next_attempt_at);
      const [claimed] = await deliveries.claimDue(due, due + SETTINGS.leaseMs, 10);
      before = Date.now();
      dispatcher.enqueue({
        id: claimed.id,
        listener: registry.get('flaky')!,
        event: dispatcher.plan(message).events[0],
        attemptsBefore: claimed.attempts,
        heldUntil: due + SETTINGS.leaseMs,
      });
    };
    await retry();
    row = await until(async () => {
      const current = await rowOf(message.key, 'flaky');
      expect(current.attempts).toBe(2);
      return current;
    });
    expect(row).toMatchObject({ status: 'failed', last_error: 'Error: still down' });
    expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual(before + 4000);
    expect(Number(row.next_attempt_at)).toBeLessThanOrEqual(Date.now() + 6000);

    // Two waits in the schedule: the third failure is the last.
    await retry();
    row = await until(async () => {
      const current = await rowOf(message.key, 'flaky');
      expect(current.attempts).toBe(3);
      return current;
    });
    expect(row).toMatchObject({ status: 'dead', next_attempt_at: null, last_error: 'Error: gone' });
    expect(handler.calls.map((call) => call.delivery.attempt)).toEqual([1, 2, 3]);
    expect(new Set(handler.calls.map((call) => call.delivery.deliveryId)).size).toBe(1);
  });

  it('kills a delivery at once on a permanent error, and waits as long as a retry-after says', async () => {
    const handler = new Scripted();
    registry.register({ name: 'strict', events: [MESSAGE_RECEIVED], handler });
    const doomed = messageFixture();
    const later = messageFixture();
    const retryAt = Date.now() + 3_600_000;
    handler.failures.push(
      new PermanentDeliveryError('never'),
      new RetryAfterError('busy', retryAt),
    );

    await accept(doomed);
    await until(async () => expect((await rowOf(doomed.key, 'strict')).status).toBe('dead'));
    await accept(later);
    const row = await until(async () => {
      const current = await rowOf(later.key, 'strict');
      expect(current.status).toBe('failed');
      return current;
    });
    expect(Number(row.next_attempt_at)).toBe(retryAt);
    expect(await rowOf(doomed.key, 'strict')).toMatchObject({
      attempts: 1,
      last_error: 'PermanentDeliveryError: never',
    });
  });

  it('keeps a timer (NotDueError) pending until due, however often, without using up the schedule', async () => {
    const handler = new Scripted();
    registry.register({ name: 'timer', events: [MESSAGE_RECEIVED], handler });
    const message = messageFixture();
    // More waits than the schedule (two retries) has places, then a real failure.
    const dues = [1, 2, 3, 4].map((hours) => Date.now() + hours * 3_600_000);
    handler.failures.push(...dues.map((due) => new NotDueError('not due', due)), new Error('down'));

    await accept(message);
    for (const [index, due] of dues.entries()) {
      const row = await until(async () => {
        const current = await rowOf(message.key, 'timer');
        expect(current.status).toBe('pending');
        expect(Number(current.next_attempt_at)).toBe(due);
        return current;
      });
      expect(row).toMatchObject({ attempts: 0, last_error: 'NotDueError: not due' });
      // The poller's part: claimed when due, handed over with its attempts so far.
      const [claimed] = await deliveries.claimDue(due, due + SETTINGS.leaseMs, 10);
      expect(claimed.attempts).toBe(0);
      dispatcher.enqueue({
        id: claimed.id,
        listener: registry.get('timer')!,
        event: dispatcher.plan(message).events[0],
        attemptsBefore: claimed.attempts,
        heldUntil: due + SETTINGS.leaseMs,
      });
      await until(() => expect(handler.calls).toHaveLength(index + 2));
    }
    // Each run was the first attempt; the failure after the waits starts the schedule at its head.
    expect(handler.calls.map((call) => call.delivery.attempt)).toEqual([1, 1, 1, 1, 1]);
    const row = await until(async () => {
      const current = await rowOf(message.key, 'timer');
      expect(current.status).toBe('failed');
      return current;
    });
    expect(row).toMatchObject({ attempts: 1, last_error: 'Error: down' });
  });

  it('runs no more attempts of one listener at once than its concurrency allows', async () => {
    const handler = new Scripted();
    let release!: () => void;
    handler.gate = new Promise<void>((resolve) => (release = resolve));
    registry.register({ name: 'slow', events: [MESSAGE_RECEIVED], handler });
    const sent = Array.from({ length: 5 }, () => messageFixture());
    for (const message of sent) await accept(message);

    await until(() => expect(handler.running).toBe(2));
    expect(dispatcher.backlog()).toBe(5);
    release();
    for (const message of sent) {
      await until(async () => expect((await rowOf(message.key, 'slow')).status).toBe('done'));
    }
    expect(handler.mostAtOnce).toBe(2);
    expect(dispatcher.backlog()).toBe(0);
  });

  it('hands a batch listener what waits for it as one batch, and a failed batch one by one', async () => {
    const handler = new Batching();
    registry.register({ name: 'batch', events: [MESSAGE_RECEIVED], handler });
    const sent = Array.from({ length: 4 }, () => messageFixture());
    handler.bad.add(sent[2].key);
    // Accepted in one turn, as one group commit's messages are.
    await Promise.all(sent.map((message) => accept(message)));

    for (const message of sent) {
      await until(async () => expect((await rowOf(message.key, 'batch')).attempts).toBe(1));
    }
    const keys = sent.map((message) => message.key);
    expect(handler.batches).toEqual([
      { keys, attempts: [1, 1, 1, 1] },
      ...keys.map((key) => ({ keys: [key], attempts: [1] })),
    ]);
    const statuses = await Promise.all(
      sent.map(async (message) => (await rowOf(message.key, 'batch')).status),
    );
    expect(statuses).toEqual(['done', 'done', 'failed', 'done']);
  });

  it('lets a batch fill for batchDelayMs before handing it over', async () => {
    // Long enough that a busy machine does not close the batch before the second comes.
    const handler = new Batching(400);
    registry.register({ name: 'lingering', events: [MESSAGE_RECEIVED], handler });
    const first = messageFixture();
    const second = messageFixture();
    await accept(first);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handler.batches).toEqual([]);
    await accept(second);

    await until(() => expect(handler.batches).toHaveLength(1));
    expect(handler.batches[0].keys).toEqual([first.key, second.key]);
  });

  it('skips a job whose lease another run took over meanwhile', async () => {
    const handler = new Scripted();
    registry.register({ name: 'leased', events: [MESSAGE_RECEIVED], handler });
    const message = messageFixture();
    // Stored, but not dispatched: as if this process died after the commit.
    const outbox = dispatcher.plan(message);
    await messages.save(message, '{}', outbox.write);
    const [job] = outbox.jobsOf(true);

    // Another run claimed it since: the lease stored is no longer the one this job holds.
    const [claimed] = await deliveries.claimDue(job.heldUntil, job.heldUntil + 1000, 10);
    expect(claimed.id).toBe(job.id);
    // Close enough to its end that the job must renew it before running.
    dispatcher.enqueue({ ...job, heldUntil: Date.now() + 1000 });
    await until(() => expect(dispatcher.backlog()).toBe(0));

    expect(handler.calls).toEqual([]);
    expect(await rowOf(message.key, 'leased')).toMatchObject({
      status: 'running',
      attempts: 0,
      next_attempt_at: job.heldUntil + 1000,
    });
  });

  it('renews the lease of a job that waited past half of it, then runs it', async () => {
    const handler = new Scripted();
    registry.register({ name: 'renewed', events: [MESSAGE_RECEIVED], handler });
    const message = messageFixture();
    const outbox = dispatcher.plan(message);
    await messages.save(message, '{}', outbox.write);
    const [job] = outbox.jobsOf(true);
    // Its lease now ends in 1 s, well under half of the 60 s lease.
    const soon = Date.now() + 1000;
    await tablesOf<DeliveryTables>(db)
      .updateTable('deliveries')
      .set({ next_attempt_at: soon })
      .where('id', '=', job.id)
      .execute();

    dispatcher.enqueue({ ...job, heldUntil: soon });
    await until(async () => expect((await rowOf(message.key, 'renewed')).status).toBe('done'));
    expect(handler.calls).toHaveLength(1);
  });

  it('at shutdown finishes the attempts under way and hands queued ones back as due now', async () => {
    setUp({ ...SETTINGS, concurrency: 1 });
    const handler = new Scripted();
    let release!: () => void;
    handler.gate = new Promise<void>((resolve) => (release = resolve));
    registry.register({ name: 'draining', events: [MESSAGE_RECEIVED], handler });
    const sent = Array.from({ length: 3 }, () => messageFixture());
    for (const message of sent) await accept(message);
    await until(() => expect(handler.running).toBe(1));

    const stopping = dispatcher.beforeApplicationShutdown();
    const stoppedAt = Date.now();
    release();
    await stopping;

    expect(dispatcher.drained).toEqual({ finished: 1, released: 2 });
    const rows = await Promise.all(sent.map((message) => rowOf(message.key, 'draining')));
    expect(rows.map((row) => row.status)).toEqual(['done', 'pending', 'pending']);
    for (const row of rows.slice(1)) {
      expect(row.attempts).toBe(0);
      expect(Number(row.next_attempt_at)).toBeGreaterThanOrEqual(stoppedAt - 10);
      expect(Number(row.next_attempt_at)).toBeLessThanOrEqual(Date.now());
    }
    // Closed: a delivery handed over now stays leased in the store for the next start.
    const late = messageFixture();
    await accept(late);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await rowOf(late.key, 'draining')).status).toBe('running');
    expect(handler.calls).toHaveLength(1);
  });

  it('emits the events of a committed message to in-process listeners; one that throws fails alone', async () => {
    const seen: string[] = [];
    bus.on(MESSAGE_RECEIVED, (event: AnyDomainEvent) => {
      seen.push(event.message.key);
    });
    bus.on(CONVERSATION_STARTED, () => {
      throw new Error('a best-effort listener fails alone');
    });
    const message = messageFixture('text-message', { groupId: 99 });
    expect(await accept(message)).toEqual({ status: 'accepted', conversationStarted: true });
    await until(() => expect(seen).toEqual([message.key]));
  });
});
