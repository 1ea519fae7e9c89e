import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import {
  type AnyDomainEvent,
  ConversationStartedEvent,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  MessageAttachmentReceivedEvent,
  MessageReceivedEvent,
} from '../../messages';
import { PermanentDeliveryError, RetryAfterError } from '../delivery.errors';
import {
  type DeliveryContext,
  type DurableHandler,
  DurableListener,
} from '../durable-listener.decorator';
import { DurableListeners } from '../durable-listeners';
import { ListenerRegistry } from '../listener-registry';
import { createListenerTestingModule, ListenerTestingModule, messageFixture } from '.';

/** Where the listeners below put what they are handed; tests override it. */
@Injectable()
class Journal {
  readonly entries: { key: string; delivery: DeliveryContext }[] = [];
  /** Thrown (once each) by the next calls to `handle`. */
  readonly failures: Error[] = [];
}

@DurableListener(MESSAGE_RECEIVED, 'spec.journal')
class JournalListener implements DurableHandler<MessageReceivedEvent> {
  constructor(private readonly journal: Journal) {}

  accepts(event: MessageReceivedEvent): boolean {
    if (event.message.text === 'explode') throw new TypeError('cannot read this');
    return event.message.metadata.category !== 'HIDDEN';
  }

  handle(event: MessageReceivedEvent, delivery: DeliveryContext): Promise<void> {
    this.journal.entries.push({ key: event.message.key, delivery });
    const failure = this.journal.failures.shift();
    return failure === undefined ? Promise.resolve() : Promise.reject(failure);
  }
}

@DurableListener(MESSAGE_ATTACHMENT_RECEIVED, 'spec.files')
class FileBatchListener implements DurableHandler<MessageAttachmentReceivedEvent> {
  readonly calls: { urls: string[]; attempts: number[] }[] = [];
  readonly bad = new Set<string>();

  handle(): Promise<void> {
    return Promise.reject(new Error('the dispatcher calls handleBatch when there is one'));
  }

  handleBatch(
    events: readonly MessageAttachmentReceivedEvent[],
    deliveries: readonly DeliveryContext[],
  ): Promise<void> {
    const urls = events.map((event) => event.file.url);
    this.calls.push({ urls, attempts: deliveries.map((delivery) => delivery.attempt) });
    const bad = urls.find((url) => this.bad.has(url));
    return bad ? Promise.reject(new Error(`cannot fetch ${bad}`)) : Promise.resolve();
  }
}

@DurableListener(MESSAGE_RECEIVED, 'spec.disabled')
class DisabledListener implements DurableHandler<MessageReceivedEvent> {
  readonly enabled = false;
  handle(): Promise<void> {
    return Promise.reject(new Error('never runs'));
  }
}

describe('createListenerTestingModule', () => {
  let kit: ListenerTestingModule;
  let journal: Journal;

  beforeEach(async () => {
    journal = new Journal();
    kit = await createListenerTestingModule({
      providers: [Journal, JournalListener, FileBatchListener, DisabledListener],
      override: (builder) => builder.overrideProvider(Journal).useValue(journal),
      retryScheduleMs: [1000, 60_000],
    });
  });

  afterEach(async () => {
    await kit.close();
  });

  it('finds the enabled durable listeners of its providers, without the HTTP server or a store', () => {
    expect(kit.listeners().sort()).toEqual(['spec.files', 'spec.journal']);
    expect(kit.get(JournalListener)).toBeInstanceOf(JournalListener);
    // The override took: the listener writes into the test's own journal.
    expect(kit.get(Journal)).toBe(journal);
  });

  it('delivers with the delivery id the dispatcher plans, then again under the same id, one attempt on', async () => {
    const message = messageFixture();
    const event = new MessageReceivedEvent(message);
    const planned = kit.get(ListenerRegistry).deliveriesFor([event], 'spec.journal');

    expect(await kit.deliver(event)).toMatchObject({ status: 'done', event });
    expect(await kit.deliverAgain(event)).toMatchObject({ status: 'done' });
    expect(await kit.deliverAgain(message)).toMatchObject({ status: 'done' });

    expect(journal.entries).toEqual(
      [1, 2, 3].map((attempt) => ({
        key: message.key,
        delivery: { deliveryId: planned[0].id, attempt, listener: 'spec.journal' },
      })),
    );
    // A later deliver() starts over, as a replay does.
    expect((await kit.deliver(event)).delivery.attempt).toBe(1);
  });

  it('refuses deliverAgain for a delivery never delivered', async () => {
    await expect(kit.deliverAgain(messageFixture())).rejects.toThrow(/never delivered/);
    expect(journal.entries).toEqual([]);
  });

  it('judges a failure as the dispatcher does: retry on the schedule, then dead', async () => {
    const event = new MessageReceivedEvent(messageFixture());
    journal.failures.push(new Error('sink answered 503'), new Error('sink answered 503 again'));

    const before = Date.now();
    const first = await kit.deliver(event);
    expect(first).toMatchObject({ status: 'failed', lastError: 'Error: sink answered 503' });
    // 1 s ±20% jitter.
    const wait = first.status === 'failed' ? first.nextAttemptAt.getTime() - before : NaN;
    expect(wait).toBeGreaterThanOrEqual(800);
    expect(wait).toBeLessThanOrEqual(1200 + (Date.now() - before));

    expect(await kit.deliverAgain(event)).toMatchObject({ status: 'failed' });
    // The schedule has two waits: the third failure is the last.
    journal.failures.push(new Error('still down'));
    const third = await kit.deliverAgain(event);
    expect(third).toMatchObject({ status: 'dead', lastError: 'Error: still down' });
    expect(third.status === 'dead' && third.error).toBeInstanceOf(Error);
    expect(journal.entries.map((entry) => entry.delivery.attempt)).toEqual([1, 2, 3]);
  });

  it('sends a permanent error straight to dead and honours a retry-after', async () => {
    journal.failures.push(new PermanentDeliveryError('never'));
    expect(await kit.deliver(messageFixture())).toMatchObject({
      status: 'dead',
      lastError: 'PermanentDeliveryError: never',
    });

    const retryAt = Date.now() + 45_000;
    journal.failures.push(new RetryAfterError('busy', retryAt));
    const later = await kit.deliver(messageFixture());
    expect(later.status === 'failed' && later.nextAttemptAt.getTime()).toBe(retryAt);
  });

  it('runs the filter first: no attempt for what it refuses, dead for a filter that throws', async () => {
    const hidden = await kit.deliver(messageFixture('system-message'));
    expect(hidden.status).toBe('filtered');

    const broken = await kit.deliver(messageFixture('text-message', { text: 'explode' }));
    expect(broken).toMatchObject({
      status: 'dead',
      lastError: 'accepts() failed: TypeError: cannot read this',
    });
    expect(journal.entries).toEqual([]);
  });

  it('builds from a message the event its listener takes, and refuses one that causes none', async () => {
    const withFile = messageFixture('attachment-with-metadata');
    const result = await kit.deliver(withFile, { listener: 'spec.files' });
    expect(result.event).toBeInstanceOf(MessageAttachmentReceivedEvent);
    expect(result.event.message).toBe(withFile);

    await expect(kit.deliver(messageFixture(), { listener: 'spec.files' })).rejects.toThrow(
      /causes no message.attachment-received event for spec.files/,
    );
    await expect(kit.deliver(messageFixture(), { listener: 'spec.nobody' })).rejects.toThrow(
      /No durable listener is named "spec.nobody"; durable listeners in this module: /,
    );
    const started = new ConversationStartedEvent(withFile, 'group:123456');
    await expect(kit.deliver(started)).rejects.toThrow(/No durable listener takes conversation/);
  });

  it('asks which listener when several take the message', async () => {
    // Both the message and its attachment have a listener here.
    await expect(kit.deliver(messageFixture('attachment-with-metadata'))).rejects.toThrow(
      /pass \{ listener: name \}/,
    );
    expect(
      (await kit.deliver(messageFixture('attachment-with-metadata'), { listener: 'spec.journal' }))
        .status,
    ).toBe('done');
  });

  it('calls handleBatch as the dispatcher does: one event alone, several as a batch, a failed batch one by one', async () => {
    const files = kit.get(FileBatchListener);
    const urls = ['a', 'b', 'c'].map((name) => `https://files.example/${name}.png`);
    const messages = urls.map((url) =>
      messageFixture('attachment-with-metadata', {
        file: { ...messageFixture('attachment-with-metadata').file!, url },
      }),
    );

    const only = { listener: 'spec.files' };
    expect((await kit.deliver(messages[0], only)).status).toBe('done');
    expect(files.calls).toEqual([{ urls: [urls[0]], attempts: [1] }]);

    files.calls.length = 0;
    const together = await kit.deliverBatch(messages, only);
    expect(together.map((result) => result.status)).toEqual(['done', 'done', 'done']);
    expect(files.calls).toEqual([{ urls, attempts: [1, 1, 1] }]);

    files.calls.length = 0;
    files.bad.add(urls[1]);
    const split = await kit.deliverBatch(messages, only);
    expect(split.map((result) => result.status)).toEqual(['done', 'failed', 'done']);
    expect(files.calls).toEqual([
      { urls, attempts: [1, 1, 1] },
      ...urls.map((url) => ({ urls: [url], attempts: [1] })),
    ]);

    await expect(
      kit.deliverBatch([messageFixture()], { listener: 'spec.journal' }),
    ).rejects.toThrow(/spec.journal has no handleBatch/);
  });
});

describe('createListenerTestingModule with imported modules', () => {
  const seen: AnyDomainEvent[] = [];

  /** A module that registers a listener from its configuration, as notification rules do. */
  @Injectable()
  class ConfiguredListeners implements OnModuleInit {
    constructor(private readonly listeners: DurableListeners) {}

    onModuleInit(): void {
      this.listeners.register({
        name: 'spec.configured',
        events: [MESSAGE_RECEIVED],
        handler: {
          handle: (event) => {
            seen.push(event);
            return Promise.resolve();
          },
        },
      });
    }
  }

  @Module({ providers: [Journal, JournalListener] })
  class JournalModule {}

  it('runs the listeners of imported modules and those registered through DurableListeners', async () => {
    const kit = await createListenerTestingModule({
      imports: [JournalModule],
      providers: [ConfiguredListeners],
    });
    try {
      expect(kit.listeners().sort()).toEqual(['spec.configured', 'spec.journal']);
      const message = messageFixture('lenient-types');
      expect((await kit.deliver(message, { listener: 'spec.configured' })).status).toBe('done');
      expect(seen.map((event) => event.message.key)).toEqual([message.key]);
      expect((await kit.deliver(message, { listener: 'spec.journal' })).status).toBe('done');
      expect(kit.get(Journal).entries.map((entry) => entry.key)).toEqual([message.key]);
    } finally {
      await kit.close();
    }
  });
});

describe('messageFixture', () => {
  it('is a new message on every call, received now, sent a moment before', () => {
    const before = Date.now();
    const [a, b] = [messageFixture(), messageFixture()];
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^5-[0-9a-f-]{36}-\d+$/);
    expect(a.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(a.receivedAt.getTime() - a.timeStamp).toBe(250);
    expect(a).toMatchObject({
      from: 'sender-unique-id',
      text: 'message content',
      conversationKey: 'group:123456',
      file: null,
    });
  });

  it('derives the conversation from overridden ids, unless the key itself is given', () => {
    expect(messageFixture('text-message', { groupId: 7 }).conversationKey).toBe('group:7');
    expect(messageFixture('one-to-one-legacy', { to: 'amy' }).conversationKey).toBe(
      'direct:amy|lee',
    );
    expect(
      messageFixture('text-message', { groupId: null, clientGroupId: null }).conversationKey,
    ).toBeNull();
    expect(messageFixture('text-message', { conversationKey: null }).conversationKey).toBeNull();
    const at = new Date('2026-01-02T03:04:05Z');
    expect(messageFixture('system-message', { key: 'k', receivedAt: at })).toMatchObject({
      key: 'k',
      receivedAt: at,
      timeStamp: at.getTime() - 250,
      metadata: { category: 'HIDDEN' },
    });
  });
});
