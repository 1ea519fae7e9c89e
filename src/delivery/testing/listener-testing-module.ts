import type { Abstract, ModuleMetadata, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule, type TestingModuleBuilder } from '@nestjs/testing';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../../config/retry-schedule';
import { type AnyDomainEvent, eventsOfMessage, type ReceivedMessage } from '../../messages';
import type { DeliveryContext } from '../durable-listener.decorator';
import { DurableListeners } from '../durable-listeners';
import {
  type AttemptJob,
  attemptDeliveries,
  deliveryContext,
  filterVerdict,
} from '../listener-attempt';
import { deliveryId, ListenerRegistry, type RegisteredListener } from '../listener-registry';

export interface ListenerTestingOptions extends Pick<ModuleMetadata, 'imports' | 'providers'> {
  /**
   * Changes the module before it compiles, as on Test.createTestingModule:
   * `(builder) => builder.overrideProvider(Store).useValue(fake)`.
   */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** The waits between attempts (ms) a failed attempt is judged by; the service's default otherwise. */
  retryScheduleMs?: readonly number[];
}

/** Which listener to run, when the module holds several that take the event. */
export interface DeliverOptions {
  readonly listener?: string;
}

/** A delivery's first attempt takes an event, or the message whose event the listener takes. */
export type Deliverable = AnyDomainEvent | ReceivedMessage;

/**
 * How an attempt ended, as the dispatcher would record it: `done`; `failed`,
 * to be tried again at `nextAttemptAt`; `dead`. Or `filtered`: the
 * listener's `accepts` said no, so no delivery would even be recorded.
 */
export type DeliveryResult = {
  readonly event: AnyDomainEvent;
  /** What the handler was told (or would have been, if filtered). */
  readonly delivery: DeliveryContext;
} & (
  | { readonly status: 'done' | 'filtered' }
  | {
      /** `pending`: a timer not due yet (NotDueError), no attempt used up. */
      readonly status: 'failed' | 'pending';
      /** What the handler threw. */
      readonly error: unknown;
      /** The error as the delivery records it. */
      readonly lastError: string;
      readonly nextAttemptAt: Date;
    }
  | { readonly status: 'dead'; readonly error: unknown; readonly lastError: string }
);

const DEFAULT_SCHEDULE = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)!;

/**
 * A Nest testing module holding durable listeners (and what they need),
 * without the HTTP server, the store or the dispatcher's queues: a test hands
 * a listener events and sees what it did, attempt by attempt, with the
 * delivery ids, attempt numbers and outcomes the dispatcher would give.
 */
export async function createListenerTestingModule(
  options: ListenerTestingOptions = {},
): Promise<ListenerTestingModule> {
  let builder = Test.createTestingModule({
    imports: [DiscoveryModule, ...(options.imports ?? [])],
    // DurableListeners: for modules that register listeners from their configuration.
    providers: [ListenerRegistry, DurableListeners, ...(options.providers ?? [])],
  });
  if (options.override) builder = options.override(builder);
  const module = await builder.compile();
  // Runs onModuleInit, where the registry discovers the @DurableListener classes.
  await module.init();
  return new ListenerTestingModule(
    module,
    module.get(ListenerRegistry),
    options.retryScheduleMs ?? DEFAULT_SCHEDULE,
  );
}

export class ListenerTestingModule {
  /** Attempts so far per delivery id, as the store would count them. */
  private readonly attempts = new Map<string, number>();

  constructor(
    readonly module: TestingModule,
    private readonly registry: ListenerRegistry,
    private readonly retryScheduleMs: readonly number[],
  ) {}

  /** A provider of the module, e.g. the fake a listener writes to. */
  get<T>(token: Type<T> | Abstract<T>): T {
    return this.module.get(token);
  }

  /** The durable listeners the module holds (enabled ones), by name. */
  listeners(): string[] {
    return this.registry.names();
  }

  /**
   * The first attempt of the event's delivery to the listener: its filter,
   * then `handle` (or `handleBatch` with one event, as the dispatcher calls a
   * listener that has one). A message stands for the event of it the
   * listener takes. Delivering an event again this way starts over at
   * attempt 1, as a replay or a dead delivery's redrive does.
   */
  async deliver(input: Deliverable, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const [result] = await this.run([input], options, () => 0);
    return result;
  }

  /**
   * The same delivery once more, as a retry brings it: the same delivery id,
   * the next attempt number. The handler must not do its work twice. (A run
   * a crash cut short comes back under the same attempt number; a replay or
   * the redrive of a dead delivery at attempt 1, as `deliver` does.)
   */
  async deliverAgain(input: Deliverable, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const [result] = await this.run([input], options, (id) => {
      const before = this.attempts.get(id);
      if (before === undefined)
        throw new Error(`delivery ${id} was never delivered: deliver() it first`);
      return before;
    });
    return result;
  }

  /**
   * First attempts of several events as one batch, as the dispatcher hands a
   * listener with `handleBatch` every delivery waiting for it; if the batch
   * fails, each is tried again alone.
   */
  async deliverBatch(
    inputs: readonly Deliverable[],
    options: DeliverOptions = {},
  ): Promise<DeliveryResult[]> {
    if (inputs.length === 0) return [];
    return this.run(inputs, options, () => 0, true);
  }

  close(): Promise<void> {
    return this.module.close();
  }

  private async run(
    inputs: readonly Deliverable[],
    options: DeliverOptions,
    attemptsBefore: (id: string) => number,
    batch = false,
  ): Promise<DeliveryResult[]> {
    const listener = this.listenerFor(inputs[0], options.listener);
    if (batch && !listener.handler.handleBatch) {
      throw new Error(`${listener.name} has no handleBatch: deliver its events one at a time`);
    }
    const results: (DeliveryResult | undefined)[] = [];
    const jobs: (AttemptJob & { index: number })[] = [];
    inputs.forEach((input, index) => {
      const event = this.eventFor(listener, input);
      const id = deliveryId(event, listener.name);
      // No store here: the lease is nobody else's.
      const job = { id, event, attemptsBefore: attemptsBefore(id), heldUntil: Infinity, index };
      const delivery = deliveryContext(listener, job);
      const verdict = filterVerdict(listener, event);
      if (verdict === true) {
        jobs.push(job);
      } else if (verdict === false) {
        results[index] = { status: 'filtered', event, delivery };
      } else {
        // Recorded dead at the commit, without an attempt; a redrive would run attempt 1.
        this.attempts.set(id, 0);
        results[index] = {
          status: 'dead',
          event,
          delivery,
          error: verdict.error,
          lastError: verdict.error,
        };
      }
    });
    for (const { job, record, error } of await attemptDeliveries(
      listener,
      jobs,
      this.retryScheduleMs,
    )) {
      this.attempts.set(job.id, record.attempts);
      const base = { event: job.event, delivery: deliveryContext(listener, job) };
      const { outcome } = record;
      results[job.index] =
        outcome.status === 'done'
          ? { ...base, status: 'done' }
          : outcome.status === 'failed' || outcome.status === 'pending'
            ? {
                ...base,
                status: outcome.status,
                error,
                lastError: outcome.error,
                nextAttemptAt: new Date(outcome.nextAttemptAt),
              }
            : { ...base, status: 'dead', error, lastError: outcome.error };
    }
    return results as DeliveryResult[];
  }

  private listenerFor(input: Deliverable, name: string | undefined): RegisteredListener {
    const all = this.registry.names().map((each) => this.registry.get(each)!);
    const available = `durable listeners in this module: ${this.registry.names().join(', ') || 'none'}`;
    if (name !== undefined) {
      const named = this.registry.get(name);
      if (!named) throw new Error(`No durable listener is named "${name}"; ${available}`);
      return named;
    }
    const names = isEvent(input)
      ? [input.name]
      : eventsOfMessage(input, true).map((event) => event.name);
    const takers = all.filter((listener) => listener.events.some((event) => names.includes(event)));
    if (takers.length === 1) return takers[0];
    throw new Error(
      takers.length === 0
        ? `No durable listener takes ${names.join(' or ')}; ${available}`
        : `${takers.map((listener) => listener.name).join(' and ')} take it: pass { listener: name }`,
    );
  }

  private eventFor(listener: RegisteredListener, input: Deliverable): AnyDomainEvent {
    if (isEvent(input)) {
      if (!listener.events.includes(input.name)) {
        throw new Error(`${listener.name} does not take ${input.name}`);
      }
      return input;
    }
    // As the first of its conversation, so a conversation.started listener has its event too.
    const event = eventsOfMessage(input, true).find((each) => listener.events.includes(each.name));
    if (!event) {
      throw new Error(
        `Message ${input.key} causes no ${listener.events.join(' or ')} event for ${listener.name}`,
      );
    }
    return event;
  }
}

const isEvent = (input: Deliverable): input is AnyDomainEvent =>
  'eventId' in input && 'message' in input;
