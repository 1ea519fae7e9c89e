import { sql } from 'kysely';
import { refuseInserts } from './support/store';
import { DurableHandler, DurableListener } from '../src/delivery';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../src/messages';
import {
  createTestApp,
  eventually,
  message,
  removeDataDir,
  TestApp,
  TestMessage,
} from './support/test-app';

/** A listener whose filter throws on some messages: its own code, not the service's. */
@DurableListener(MESSAGE_RECEIVED, 'test.picky')
class PickyListener implements DurableHandler<MessageReceivedEvent> {
  readonly handled: string[] = [];

  accepts(event: MessageReceivedEvent): boolean {
    if (event.message.text.includes('boom')) throw new TypeError('picky cannot read this');
    return true;
  }

  handle(event: MessageReceivedEvent): Promise<void> {
    this.handled.push(event.message.key);
    return Promise.resolve();
  }
}

describe('the outbox: a message and its delivery rows, together', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp({ providers: [PickyListener] });
  });

  afterEach(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  const rows = async (table: 'messages' | 'deliveries' | 'conversations', key: string) => {
    const column =
      table === 'conversations'
        ? 'first_message_key'
        : table === 'messages'
          ? 'key'
          : 'message_key';
    const { rows: found } = await sql<{
      n: number;
    }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${key}`.execute(
      t.db,
    );
    return Number(found[0].n);
  };

  it('commits a message and its deliveries in one transaction, or neither, while the messages beside it commit', async () => {
    const refused = message({ groupId: 8101 });
    const others = [
      message({ groupId: 8102 }),
      message({ groupId: 8103 }),
      message({ groupId: 8104 }),
    ];
    // The store refuses this message's delivery rows, after its message row went in.
    const lift = await refuseInserts(t.db, 'deliveries', {
      column: 'message_key',
      value: refused.key,
    });

    const answers = await Promise.all([refused, ...others].map((m) => t.deliver(m)));
    expect(answers.map((a) => a.status)).toEqual([503, 200, 200, 200]);
    expect(answers[0].body).toMatchObject({ code: 'WEBHOOK.STORE_UNAVAILABLE' });
    // Had the message been committed apart from its outbox, it would be here without deliveries.
    expect(await rows('messages', refused.key)).toBe(0);
    expect(await rows('conversations', refused.key)).toBe(0);
    expect(await rows('deliveries', refused.key)).toBe(0);
    for (const other of others) {
      expect(await rows('messages', other.key)).toBe(1);
      expect(await rows('deliveries', other.key)).toBeGreaterThanOrEqual(3);
    }

    // The sender tries again once the store takes it: all of it is there.
    await lift();
    await t.deliver(refused).expect(200, { status: 'accepted', key: refused.key });
    expect(await rows('messages', refused.key)).toBe(1);
    expect(await rows('deliveries', refused.key)).toBeGreaterThanOrEqual(3);
  });

  it('a listener whose filter throws never fails the webhook: its delivery is recorded dead with the error, the others run', async () => {
    const picky = t.app.get(PickyListener);
    const boom: TestMessage = message({ message: 'this goes boom' });
    const fine = message();
    await t.deliver(boom).expect(200, { status: 'accepted', key: boom.key });
    await t.deliver(fine).expect(200, { status: 'accepted', key: fine.key });

    const deliveries = await eventually(async () => {
      const { body } = await t.admin(`/api/messages/${encodeURIComponent(boom.key)}`).expect(200);
      const list = (
        body as { deliveries: { listener: string; status: string; lastError: string | null }[] }
      ).deliveries;
      expect(list.filter((d) => d.listener.startsWith('analytics.')).map((d) => d.status)).toEqual([
        'done',
        'done',
      ]);
      return list;
    });
    expect(deliveries.find((d) => d.listener === 'test.picky')).toMatchObject({
      status: 'dead',
      lastError: 'accepts() failed: TypeError: picky cannot read this',
    });
    const dead = await t.admin('/api/deliveries?status=dead&listener=test.picky').expect(200);
    expect(
      (dead.body as { items: { messageKey: string }[] }).items.map((d) => d.messageKey),
    ).toEqual([boom.key]);
    await eventually(() => expect(picky.handled).toEqual([fine.key]));
  });
});
