// test/examples/testing-a-listener.e2e-spec.ts
import { Injectable } from '@nestjs/common';
import { DeliveryContext, DurableHandler, DurableListener } from '../../src/delivery';
import { createListenerTestingModule, messageFixture } from '../../src/delivery/testing';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../../src/messages';
import { createTestApp, eventually, message, removeDataDir, TestApp } from '../support/test-app';

/** Messages per conversation (a table, in a real module). */
@Injectable()
export class ConversationCounts {
  private readonly seen = new Map<string, Set<string>>();

  add(conversation: string, deliveryId: string): void {
    this.seen.set(conversation, (this.seen.get(conversation) ?? new Set()).add(deliveryId));
  }

  of(conversation: string): number {
    return this.seen.get(conversation)?.size ?? 0;
  }
}

@DurableListener(MESSAGE_RECEIVED, 'example.conversation-counts')
export class ConversationCountsListener implements DurableHandler<MessageReceivedEvent> {
  constructor(private readonly counts: ConversationCounts) {}

  accepts(event: MessageReceivedEvent): boolean {
    return event.message.conversationKey !== null;
  }

  handle(event: MessageReceivedEvent, delivery: DeliveryContext): Promise<void> {
    // By delivery id: a retry or a replay of the same message is not counted again.
    this.counts.add(event.message.conversationKey!, delivery.deliveryId);
    return Promise.resolve();
  }
}

describe('ConversationCountsListener, alone', () => {
  it('counts a message once, however often it is delivered', async () => {
    const kit = await createListenerTestingModule({
      providers: [ConversationCounts, ConversationCountsListener],
    });
    const counts = kit.get(ConversationCounts);
    const first = messageFixture('text-message', { groupId: 7 });

    expect(await kit.deliver(first)).toMatchObject({ status: 'done' });
    expect(await kit.deliverAgain(first)).toMatchObject({
      status: 'done',
      delivery: { attempt: 2 },
    });
    expect(await kit.deliver(messageFixture('text-message', { groupId: 7 }))).toMatchObject({
      status: 'done',
    });
    expect(counts.of('group:7')).toBe(2);

    // A message of no conversation is filtered out: no delivery is recorded for it.
    const loose = messageFixture('one-to-one-legacy', { to: null });
    expect(await kit.deliver(loose)).toMatchObject({ status: 'filtered' });
    await kit.close();
  });
});

describe('ConversationCountsListener, in the app', () => {
  const counts = new ConversationCounts();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      providers: [ConversationCounts, ConversationCountsListener],
      override: (builder) => builder.overrideProvider(ConversationCounts).useValue(counts),
    });
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('counts each message posted to the webhook once, redelivered or replayed', async () => {
    const first = message({ groupId: 42 });
    await t.deliver(first).expect(200);
    await t.deliver(message({ groupId: 42 })).expect(200);
    // Kommunicate sends the first again: a duplicate, nothing delivered twice.
    await t.deliver(first).expect(200, { status: 'duplicate', key: first.key });
    await eventually(() => expect(counts.of('group:42')).toBe(2));

    // An operator replays the first: it runs again, under the same delivery id.
    const replayedAt = Date.now();
    await t.adminPost(`/api/messages/${first.key}/replay`).expect(202);
    await eventually(async () => {
      const delivery = await t.db
        .selectFrom('deliveries')
        .select(['status', 'completed_at'])
        .where('message_key', '=', first.key)
        .where('listener', '=', 'example.conversation-counts')
        .executeTakeFirstOrThrow();
      expect(delivery.status).toBe('done');
      expect(Number(delivery.completed_at)).toBeGreaterThanOrEqual(replayedAt);
    });
    expect(counts.of('group:42')).toBe(2);
  });
});
