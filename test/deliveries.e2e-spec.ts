import type { DeliveryView } from '../src/admin/views/delivery.view';
import type { MessageDetail } from '../src/admin/views/message.view';
import { ScriptedListener } from './support/durable.listeners';
import { createTestApp, eventually, message, removeDataDir, TestApp } from './support/test-app';

// Short waits so that retries happen within a test; the poller looks every 20 ms.
const SCHEDULE = [200, 400, 300];

describe('durable deliveries', () => {
  let t: TestApp;
  let scripted: ScriptedListener;

  beforeAll(async () => {
    t = await createTestApp({
      providers: [ScriptedListener],
      env: { RETRY_SCHEDULE: '200ms,400ms,300ms', DELIVERY_POLL_MS: '20' },
    });
    scripted = t.app.get(ScriptedListener);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const deliveriesOf = async (key: string): Promise<DeliveryView[]> =>
    ((await t.admin(`/api/messages/${encodeURIComponent(key)}`).expect(200)).body as MessageDetail)
      .deliveries;

  const deliveryOf = async (key: string, listener: string): Promise<DeliveryView> => {
    const found = (await deliveriesOf(key)).find((delivery) => delivery.listener === listener);
    if (!found) throw new Error(`no ${listener} delivery for ${key}`);
    return found;
  };

  const settled = (key: string, listener: string, status: string, timeoutMs = 5000) =>
    eventually(async () => {
      const delivery = await deliveryOf(key, listener);
      expect(delivery.status).toBe(status);
      return delivery;
    }, timeoutMs);

  it('writes one delivery per (event, listener) with the message', async () => {
    const sent = message();
    await t.deliver(sent).expect(200);

    const deliveries = await eventually(async () => {
      const found = await deliveriesOf(sent.key);
      expect(found.map((d) => d.status)).toEqual(['done', 'done', 'done']);
      return found;
    });
    // A conversation's first message: message.received (2 listeners) and conversation.started.
    expect(deliveries.map((d) => `${d.event} → ${d.listener}`).sort()).toEqual([
      'conversation.started → analytics.conversations',
      'message.received → analytics.messages',
      'message.received → test.scripted',
    ]);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({ attempts: 1, lastError: null, nextAttemptAt: null });
      expect(delivery.completedAt).not.toBeNull();
    }
  });

  it('retries a failing listener on the schedule until it succeeds, leaving the others alone', async () => {
    const sent = message({ groupId: 2001 });
    scripted.failFirst(sent.key, 2);
    await t.deliver(sent).expect(200);

    const done = await settled(sent.key, 'test.scripted', 'done');
    expect(done.attempts).toBe(3);
    expect(done.lastError).toBeNull();

    const attempts = scripted.of(sent.key);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // One delivery id for every attempt: what a handler keys its idempotency on.
    expect(new Set(attempts.map((a) => a.deliveryId))).toEqual(new Set([done.id]));
    // Each wait is at least the scheduled one less its 20% jitter.
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(SCHEDULE[0] * 0.8);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(SCHEDULE[1] * 0.8);

    const analytics = await deliveryOf(sent.key, 'analytics.messages');
    expect(analytics).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('records the failure between attempts, without secrets from the error', async () => {
    const sent = message({ groupId: 2002 });
    scripted.failAlways(sent.key);
    await t.deliver(sent).expect(200);

    const failed = await settled(sent.key, 'test.scripted', 'failed');
    expect(failed.nextAttemptAt).not.toBeNull();
    expect(failed.lastError).toBe('Error: https://sink.example/hook answered 500');

    // After the last scheduled wait the delivery is dead, with the error kept.
    const dead = await settled(sent.key, 'test.scripted', 'dead');
    expect(dead.attempts).toBe(SCHEDULE.length + 1);
    expect(dead.nextAttemptAt).toBeNull();
    expect(dead.lastError).toContain('answered 500');
    expect(scripted.of(sent.key)).toHaveLength(SCHEDULE.length + 1);
  });

  it('sends a permanent error straight to dead, and a bulk redrive brings it back', async () => {
    const sent = message({ groupId: 2003 });
    scripted.failPermanently(sent.key);
    await t.deliver(sent).expect(200);

    const dead = await settled(sent.key, 'test.scripted', 'dead');
    expect(dead.attempts).toBe(1);
    expect(dead.lastError).toBe('PermanentDeliveryError: this message can never be handled');

    const listed = await t.admin('/api/deliveries?status=dead&listener=test.scripted').expect(200);
    expect((listed.body as { items: DeliveryView[] }).items.map((d) => d.id)).toContain(dead.id);

    scripted.succeed(sent.key);
    const redrive = await t
      .adminPost(
        `/api/deliveries/retry?status=dead&listener=test.scripted&since=${Date.now() - 60_000}`,
      )
      .expect(202);
    expect((redrive.body as { count: number }).count).toBeGreaterThanOrEqual(1);

    const revived = await settled(sent.key, 'test.scripted', 'done');
    // A redrive starts a fresh schedule.
    expect(revived.attempts).toBe(1);
    expect(scripted.of(sent.key)).toHaveLength(2);
  });

  it('waits as long as a retry-after error says before the next attempt', async () => {
    const sent = message({ groupId: 2004 });
    scripted.retryAfter(sent.key, 700);
    await t.deliver(sent).expect(200);

    await settled(sent.key, 'test.scripted', 'done');
    const [first, second] = scripted.of(sent.key);
    // 700 ms named by the error, more than the schedule's first 200 ms (+20%).
    expect(second.at - first.at).toBeGreaterThanOrEqual(700);
  });

  it('retries one delivery on request', async () => {
    const sent = message({ groupId: 2005 });
    scripted.failPermanently(sent.key);
    await t.deliver(sent).expect(200);
    const dead = await settled(sent.key, 'test.scripted', 'dead');

    scripted.succeed(sent.key);
    const answer = await t.adminPost(`/api/deliveries/${dead.id}/retry`).expect(202);
    expect((answer.body as DeliveryView).status).toBe('pending');
    await settled(sent.key, 'test.scripted', 'done');

    const missing = await t
      .adminPost('/api/deliveries/00000000-0000-5000-8000-000000000000/retry')
      .expect(404);
    expect(missing.body).toMatchObject({ code: 'ADMIN.NOT_FOUND' });
    const notAnId = await t.adminPost('/api/deliveries/no-such-delivery/retry').expect(400);
    expect(notAnId.body).toMatchObject({
      code: 'ADMIN.INVALID_QUERY',
      errors: [{ field: 'id', message: 'id must be a UUID' }],
    });
  });

  it('replays a message to its listeners without counting it twice in analytics', async () => {
    const sent = message({ groupId: 2006, from: 'replay-sender', receiverConnected: false });
    await t.deliver(sent).expect(200);
    await settled(sent.key, 'analytics.messages', 'done');
    await settled(sent.key, 'test.scripted', 'done');
    const before = (await t.admin('/api/analytics/summary').expect(200)).body as Record<
      string,
      unknown
    >;

    const replay = await t.adminPost(`/api/messages/${sent.key}/replay`).expect(202);
    expect(
      (replay.body as { deliveries: { listener: string }[] }).deliveries
        .map((d) => d.listener)
        .sort(),
    ).toEqual(['analytics.conversations', 'analytics.messages', 'test.scripted']);

    // The scripted listener saw it a second time, under the same delivery id.
    await eventually(() => expect(scripted.of(sent.key)).toHaveLength(2));
    const [first, again] = scripted.of(sent.key);
    expect(again.deliveryId).toBe(first.deliveryId);
    expect(again.attempt).toBe(1);
    await settled(sent.key, 'analytics.messages', 'done');
    await settled(sent.key, 'analytics.conversations', 'done');

    const after = (await t.admin('/api/analytics/summary').expect(200)).body as Record<
      string,
      unknown
    >;
    expect(after).toEqual(before);
  });

  it('replays to one listener only when asked, and rejects an unknown one', async () => {
    const sent = message({ groupId: 2007 });
    await t.deliver(sent).expect(200);
    await settled(sent.key, 'test.scripted', 'done');

    const one = await t
      .adminPost(`/api/messages/${sent.key}/replay?listener=test.scripted`)
      .expect(202);
    expect(one.body).toEqual({
      key: sent.key,
      deliveries: [
        { id: expect.any(String) as string, event: 'message.received', listener: 'test.scripted' },
      ],
    });
    await eventually(() => expect(scripted.of(sent.key)).toHaveLength(2));

    const unknown = await t.adminPost(`/api/messages/${sent.key}/replay?listener=nope`).expect(400);
    expect(unknown.body).toMatchObject({ code: 'ADMIN.INVALID_QUERY' });
    const missing = await t.adminPost('/api/messages/no-such-key/replay').expect(404);
    expect(missing.body).toMatchObject({ code: 'ADMIN.NOT_FOUND' });
  });

  it('a redelivered message creates no second set of deliveries', async () => {
    const sent = message({ groupId: 2008 });
    await t.deliver(sent).expect(200);
    await t.deliver(sent).expect(200);
    await settled(sent.key, 'test.scripted', 'done');
    expect(await deliveriesOf(sent.key)).toHaveLength(3);
    expect(scripted.of(sent.key)).toHaveLength(1);
  });
});

describe('durable deliveries across a restart', () => {
  it('resumes, at start-up, deliveries a stopped process left due or running past their lease', async () => {
    const first = await createTestApp({ providers: [ScriptedListener] });
    const { dataDir } = first;
    const sent = [message({ groupId: 3001 }), message({ groupId: 3002 })];
    for (const m of sent) await first.deliver(m).expect(200);
    await eventually(async () => {
      const rows = await first.db.selectFrom('deliveries').select('status').execute();
      expect(rows.map((row) => row.status)).toEqual(Array(rows.length).fill('done'));
    });
    // What a crash leaves: one delivery mid-run with its lease run out, one retry due.
    await first.db
      .updateTable('deliveries')
      .set({ status: 'running', attempts: 0, next_attempt_at: Date.now() - 1, completed_at: null })
      .where('message_key', '=', sent[0].key)
      .where('listener', '=', 'test.scripted')
      .execute();
    await first.db
      .updateTable('deliveries')
      .set({ status: 'failed', attempts: 1, next_attempt_at: Date.now() - 1, completed_at: null })
      .where('message_key', '=', sent[1].key)
      .where('listener', '=', 'test.scripted')
      .execute();
    await first.close();

    const second = await createTestApp({ dataDir, providers: [ScriptedListener] });
    try {
      const scripted = second.app.get(ScriptedListener);
      await eventually(() => {
        expect(scripted.attempts.map((a) => [a.key, a.attempt]).sort()).toEqual(
          [
            [sent[0].key, 1],
            [sent[1].key, 2],
          ].sort(),
        );
      });
      await eventually(async () => {
        const rows = await second.db
          .selectFrom('deliveries')
          .select(['status', 'listener'])
          .where('listener', '=', 'test.scripted')
          .execute();
        expect(rows.map((row) => row.status)).toEqual(['done', 'done']);
      });
    } finally {
      await second.close();
      removeDataDir(dataDir);
    }
  });
});
