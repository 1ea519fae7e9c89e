import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { timeOrderedUuid } from '../common/ids/name-based-uuid';
import type { NewDelivery } from './delivery-store';
import type { AnyDomainEvent, EventName } from '../messages';
import { DurableHandler, DurableListenerMetadata } from './durable-listener.decorator';

export interface RegisteredListener {
  readonly name: string;
  readonly events: readonly EventName[];
  readonly handler: DurableHandler<AnyDomainEvent>;
}

const LISTENER_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * The durable listeners, by event and by name: classes with @DurableListener,
 * found at start-up, and listeners a module registers from its configuration
 * (notification rules) before the application has booted.
 */
@Injectable()
export class ListenerRegistry implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(ListenerRegistry.name);
  private readonly byName = new Map<string, RegisteredListener>();
  private readonly byEvent = new Map<EventName, RegisteredListener[]>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const wrappers = this.discovery.getProviders({ metadataKey: DurableListenerMetadata.KEY });
    for (const wrapper of wrappers) {
      const options = this.discovery.getMetadataByDecorator(DurableListenerMetadata, wrapper);
      const handler = wrapper.instance as DurableHandler<AnyDomainEvent> | undefined;
      if (!options || !handler) continue;
      this.register({ name: options.name, events: [options.event], handler });
    }
  }

  onApplicationBootstrap(): void {
    this.logger.log(`durable listeners: ${[...this.byName.keys()].join(', ') || 'none'}`);
  }

  /** Adds a listener; a disabled one (`enabled === false`) is skipped. */
  register(listener: RegisteredListener): void {
    if (!LISTENER_NAME.test(listener.name)) {
      throw new Error(
        `Durable listener name "${listener.name}" must be lower-case letters, digits, . _ -`,
      );
    }
    if (this.byName.has(listener.name)) {
      throw new Error(`Two durable listeners are named "${listener.name}"`);
    }
    if (listener.handler.enabled === false) return;
    this.byName.set(listener.name, listener);
    for (const event of listener.events) {
      this.byEvent.set(event, [...(this.byEvent.get(event) ?? []), listener]);
    }
  }

  /** Every listener name, for messages that list the valid ones. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): RegisteredListener | undefined {
    return this.byName.get(name);
  }

  listenersOf(event: EventName): readonly RegisteredListener[] {
    return this.byEvent.get(event) ?? [];
  }

  events(): EventName[] {
    return [...this.byEvent.keys()];
  }

  /** The outbox rows of these events: one per (event, listener), optionally one listener only. */
  deliveriesFor(events: readonly AnyDomainEvent[], onlyListener?: string): NewDelivery[] {
    return events.flatMap((event) =>
      this.listenersOf(event.name)
        .filter(
          (listener) =>
            (onlyListener === undefined || listener.name === onlyListener) &&
            (listener.handler.accepts?.(event) ?? true),
        )
        .map((listener) => ({
          id: deliveryId(event, listener.name),
          messageKey: event.message.key,
          eventName: event.name,
          eventId: event.eventId,
          listener: listener.name,
        })),
    );
  }
}

/**
 * Stable for an (event, listener) pair, so retries, recoveries and replays
 * find the same row; time-ordered by the event, so new rows are written side
 * by side in the store's index.
 */
export const deliveryId = (event: AnyDomainEvent, listener: string): string =>
  timeOrderedUuid(event.occurredAt.getTime(), `${event.eventId}\n${listener}`);
