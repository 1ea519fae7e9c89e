import { Injectable, Logger, type LoggerService, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  type AnyDomainEvent,
  CONVERSATION_STARTED,
  ConversationStartedEvent,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  MessageReceivedEvent,
  eventsOfMessage,
} from '../messages';
import { type DurableHandler, DurableListener } from './durable-listener.decorator';
import { deliveryId, ListenerRegistry } from './listener-registry';
import { messageFixture } from './testing';

const done = (): Promise<void> => Promise.resolve();

@DurableListener(MESSAGE_RECEIVED, 'spec.every-message')
class EveryMessage implements DurableHandler<MessageReceivedEvent> {
  handle = done;
}

@DurableListener(MESSAGE_RECEIVED, 'spec.visitors-only')
class VisitorsOnly implements DurableHandler<MessageReceivedEvent> {
  handle = done;
  accepts(event: MessageReceivedEvent): boolean {
    return event.message.from.startsWith('visitor');
  }
}

@DurableListener(CONVERSATION_STARTED, 'spec.starts')
class Starts implements DurableHandler<ConversationStartedEvent> {
  handle = done;
}

@DurableListener(MESSAGE_RECEIVED, 'spec.switched-off')
class SwitchedOff implements DurableHandler<MessageReceivedEvent> {
  readonly enabled = false;
  handle = done;
}

/** Not a durable listener: the registry must leave it alone. */
@Injectable()
class Bystander {
  handle = done;
}

@Module({ providers: [Starts, SwitchedOff, Bystander] })
class FeatureModule {}

/** Keeps what the registry logs. */
class Lines implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(): void {}
  warn(): void {}
}

describe('ListenerRegistry', () => {
  const boot = async () => {
    const module = await Test.createTestingModule({
      imports: [DiscoveryModule, FeatureModule],
      providers: [ListenerRegistry, EveryMessage, VisitorsOnly],
    }).compile();
    const lines = new Lines();
    Logger.overrideLogger(lines);
    await module.init();
    return { module, registry: module.get(ListenerRegistry), lines };
  };

  it('finds the enabled @DurableListener classes of every module, and says which at start-up', async () => {
    const { module, registry, lines } = await boot();
    try {
      expect(registry.names().sort()).toEqual([
        'spec.every-message',
        'spec.starts',
        'spec.visitors-only',
      ]);
      expect(registry.get('spec.starts')).toEqual({
        name: 'spec.starts',
        events: [CONVERSATION_STARTED],
        handler: module.get(Starts),
      });
      expect(registry.get('spec.switched-off')).toBeUndefined();
      expect(
        registry
          .listenersOf(MESSAGE_RECEIVED)
          .map((listener) => listener.name)
          .sort(),
      ).toEqual(['spec.every-message', 'spec.visitors-only']);
      expect(registry.listenersOf(MESSAGE_ATTACHMENT_RECEIVED)).toEqual([]);
      expect(registry.events().sort()).toEqual([CONVERSATION_STARTED, MESSAGE_RECEIVED]);
      const [line] = lines.lines.filter((text) => text.startsWith('durable listeners: '));
      expect(line.replace('durable listeners: ', '').split(', ').sort()).toEqual(
        registry.names().sort(),
      );
    } finally {
      await module.close();
    }
  });

  it('plans a delivery per (event, listener) its filter takes, with ids stable per pair', async () => {
    const { module, registry } = await boot();
    try {
      const visitor = messageFixture('text-message', { from: 'visitor-3' });
      const agent = messageFixture('text-message', { from: 'agent-1' });
      const events = [...eventsOfMessage(visitor, true), ...eventsOfMessage(agent, false)];
      const planned = registry.deliveriesFor(events);

      const received = (message: typeof visitor) =>
        events.find((event) => event.name === MESSAGE_RECEIVED && event.message === message)!;
      const started = events.find((event) => event.name === CONVERSATION_STARTED)!;
      const expected = [
        [received(visitor), 'spec.every-message'],
        [received(visitor), 'spec.visitors-only'],
        [started, 'spec.starts'],
        [received(agent), 'spec.every-message'],
      ] as const;
      const sortById = <T extends { id: string }>(rows: T[]) =>
        [...rows].sort((a, b) => a.id.localeCompare(b.id));
      expect(sortById(planned)).toEqual(
        sortById(
          expected.map(([event, listener]) => ({
            id: deliveryId(event, listener),
            messageKey: event.message.key,
            eventName: event.name,
            eventId: event.eventId,
            listener,
          })),
        ),
      );

      // One listener only, as a replay to one listener asks.
      expect(registry.deliveriesFor(events, 'spec.visitors-only')).toEqual([
        expect.objectContaining({ messageKey: visitor.key, listener: 'spec.visitors-only' }),
      ]);
      expect(registry.deliveriesFor(events, 'spec.nobody')).toEqual([]);
    } finally {
      await module.close();
    }
  });

  it('refuses a bad or taken name, and skips a disabled listener', () => {
    const registry = new ListenerRegistry(null as never);
    const handler: DurableHandler<AnyDomainEvent> = { handle: done };
    registry.register({ name: 'ok.name_1-x', events: [MESSAGE_RECEIVED], handler });
    expect(() => registry.register({ name: 'ok.name_1-x', events: [], handler })).toThrow(
      'Two durable listeners are named "ok.name_1-x"',
    );
    for (const bad of ['', 'Upper', '-dash-first', 'has space', 'x'.repeat(101), 'ünïcode']) {
      expect(() => registry.register({ name: bad, events: [MESSAGE_RECEIVED], handler })).toThrow(
        /must be lower-case letters, digits/,
      );
    }
    registry.register({
      name: 'off',
      events: [MESSAGE_RECEIVED],
      handler: { handle: done, enabled: false },
    });
    expect(registry.names()).toEqual(['ok.name_1-x']);
    expect(registry.listenersOf(MESSAGE_RECEIVED)).toHaveLength(1);
  });
});

describe('deliveryId', () => {
  const at = (iso: string) =>
    new MessageReceivedEvent(
      messageFixture('text-message', { key: 'k-1', receivedAt: new Date(iso) }),
    );

  it('is the same for the same event and listener, on every rebuild', () => {
    const event = at('2026-03-01T10:00:00Z');
    const rebuilt = at('2026-03-01T10:00:00Z');
    expect(deliveryId(rebuilt, 'a')).toBe(deliveryId(event, 'a'));
    expect(deliveryId(event, 'b')).not.toBe(deliveryId(event, 'a'));
  });

  it('sorts by when the event happened, so new rows sit side by side in the index', () => {
    const ids = ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.001Z', '2027-01-01T00:00:00Z'].map(
      (iso) => deliveryId(at(iso), 'a'),
    );
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
