import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { nameBasedUuid } from '../common/ids/name-based-uuid';
import type { NewDelivery } from '../storage/delivery-store';
import type { AnyDomainEvent, EventName } from '../webhook/events';
import { DurableHandler, DurableListenerMetadata } from './durable-listener.decorator';

export interface RegisteredListener {
  readonly name: string;
  readonly event: EventName;
  readonly handler: DurableHandler<AnyDomainEvent>;
}

const LISTENER_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** The durable listeners found at start-up, by event and by name. */
@Injectable()
export class ListenerRegistry implements OnModuleInit {
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
      if (!LISTENER_NAME.test(options.name)) {
        throw new Error(
          `Durable listener name "${options.name}" must be lower-case letters, digits, . _ -`,
        );
      }
      if (this.byName.has(options.name)) {
        throw new Error(`Two durable listeners are named "${options.name}"`);
      }
      if (handler.enabled === false) continue;
      const listener: RegisteredListener = { ...options, handler };
      this.byName.set(listener.name, listener);
      this.byEvent.set(listener.event, [...(this.byEvent.get(listener.event) ?? []), listener]);
    }
    this.logger.log(`durable listeners: ${[...this.byName.keys()].join(', ') || 'none'}`);
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
          id: deliveryId(event.eventId, listener.name),
          messageKey: event.message.key,
          eventName: event.name,
          eventId: event.eventId,
          listener: listener.name,
        })),
    );
  }
}

export const deliveryId = (eventId: string, listener: string): string =>
  nameBasedUuid(`${eventId}\n${listener}`);
