import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { EventMap, EventName } from '../messages';

/** What a handler learns about the delivery it runs. */
export interface DeliveryContext {
  /** Stable across retries and replays of the same (event, listener): use it to stay idempotent. */
  readonly deliveryId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly listener: string;
}

/** A durable listener: one class, one `handle`. Throwing means "try again later". */
export interface DurableHandler<E> {
  handle(event: E, delivery: DeliveryContext): Promise<void>;
  /**
   * Optional: takes every delivery waiting for this listener at once (one
   * attempt for all), instead of `handle` one by one. If it throws, each
   * delivery is tried again alone with `handleBatch([event], [delivery])`.
   */
  handleBatch?(events: readonly E[], deliveries: readonly DeliveryContext[]): Promise<void>;
  /**
   * With `handleBatch`: how long deliveries may wait for more to join their
   * batch (0, the default: none). Larger, rarer batches suit a listener whose
   * cost is per batch more than per delivery, such as rollups.
   */
  readonly batchDelayMs?: number;
  /** Filters at the commit: no delivery is even recorded for an event it answers false to. */
  accepts?(event: E): boolean;
  /** False to take no deliveries (e.g. its channel is not configured); read once at start-up. */
  readonly enabled?: boolean;
}

interface DurableListenerOptions {
  readonly event: EventName;
  /** Stable and stored with every delivery: renaming it orphans pending deliveries. */
  readonly name: string;
}

export const DurableListenerMetadata = DiscoveryService.createDecorator<DurableListenerOptions>();

/**
 * Subscribes a class to one event, with a durable record per delivery,
 * retries with backoff, dead-lettering and replay. Register the class as a
 * provider of any module; it is found at start-up.
 */
export function DurableListener<K extends EventName>(event: K, name: string) {
  return <T extends abstract new (...args: never[]) => DurableHandler<EventMap[K]>>(
    target: T,
  ): void => {
    Injectable()(target);
    DurableListenerMetadata({ event, name })(target);
  };
}
