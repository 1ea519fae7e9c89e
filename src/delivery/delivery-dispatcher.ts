import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AllConfig } from '../config/all-config';
import { AttemptOutcome, DeliveryStore, NewDelivery } from '../storage/delivery-store';
import type { Outbox } from '../storage/message-store';
import { AnyDomainEvent, eventsOfMessage, ReceivedMessage } from '../webhook/events';
import { Metrics } from '../metrics/metrics';
import { PermanentDeliveryError, RetryAfterError } from './delivery.errors';
import { describeFailure } from './describe-failure';
import { deliveryId, ListenerRegistry, RegisteredListener } from './listener-registry';
import { retryDelay } from './retry-schedule';

/** One attempt to run: a delivery this process holds the lease of. */
export interface DeliveryJob {
  readonly id: string;
  readonly listener: RegisteredListener;
  readonly event: AnyDomainEvent;
  readonly attemptsBefore: number;
  /** Lease expiry as stored; the lease is renewed if the job waited long for its turn. */
  readonly heldUntil: number;
}

/** The events of one message and the deliveries they owe, for MessageStore.save. */
class MessageOutbox implements Outbox {
  events: AnyDomainEvent[] = [];

  constructor(
    private readonly message: ReceivedMessage,
    private readonly registry: ListenerRegistry,
    readonly leaseUntil: number,
  ) {}

  plan(conversationStarted: boolean): readonly NewDelivery[] {
    this.events = eventsOfMessage(this.message, conversationStarted);
    return this.registry.deliveriesFor(this.events);
  }
}

/** Per listener: at most `concurrency` attempts at once, the rest wait in order. */
class ListenerLane {
  active = 0;
  readonly waiting: DeliveryJob[] = [];
}

/**
 * Runs durable listeners. Fresh deliveries arrive over the event bus right
 * after the commit, with no poll in between; retries and recovered ones come
 * from the poller. Every attempt ends in one write of its outcome.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  private readonly lanes = new Map<string, ListenerLane>();
  private readonly running = new Set<Promise<void>>();
  /** The lease each accepted message's outbox rows were written with, for the bus side to hold. */
  private readonly freshLeases = new WeakMap<ReceivedMessage, number>();
  private readonly settings: AllConfig['delivery'];
  private closed = false;

  constructor(
    private readonly registry: ListenerRegistry,
    private readonly store: DeliveryStore,
    private readonly bus: EventEmitter2,
    private readonly metrics: Metrics,
    config: ConfigService<AllConfig, true>,
  ) {
    this.settings = config.get('delivery', { infer: true });
  }

  onApplicationBootstrap(): void {
    for (const name of this.registry.events()) {
      this.bus.on(name, (event: AnyDomainEvent) => this.dispatchFresh(event));
    }
  }

  /** What WebhookService hands to MessageStore.save: the outbox rows, leased to us. */
  outboxFor(message: ReceivedMessage): Outbox & { readonly events: readonly AnyDomainEvent[] } {
    const leaseUntil = Date.now() + this.settings.leaseMs;
    this.freshLeases.set(message, leaseUntil);
    return new MessageOutbox(message, this.registry, leaseUntil);
  }

  enqueue(job: DeliveryJob): void {
    // Shutting down: the stored lease brings the delivery back on the next start.
    if (this.closed) return;
    const lane = this.lane(job.listener.name);
    if (lane.active >= this.settings.concurrency) {
      lane.waiting.push(job);
      return;
    }
    this.start(lane, job);
  }

  /** Jobs queued or running, for the poller not to claim more than can run. */
  backlog(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.active + lane.waiting.length;
    return total;
  }

  /** What shutdown drained: attempts it waited for, and queued ones handed back to the store. */
  drained = { finished: 0, released: 0 };

  /** Attempts under way finish; queued ones go back to the store as due now. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    const queued = [...this.lanes.values()].flatMap((lane) => lane.waiting.splice(0));
    const running = [...this.running];
    this.drained = { finished: running.length, released: queued.length };
    await Promise.allSettled(running);
    try {
      await this.store.release(
        queued.map((job) => job.id),
        Date.now(),
      );
    } catch (error) {
      this.logger.error(`could not release queued deliveries: ${describeFailure(error)}`);
    }
  }

  private dispatchFresh(event: AnyDomainEvent): void {
    const heldUntil = this.freshLeases.get(event.message);
    // Not from our outbox (emitted by someone else): there is no delivery row to run.
    if (heldUntil === undefined) return;
    for (const listener of this.registry.listenersOf(event.name)) {
      if (listener.handler.accepts?.(event) === false) continue;
      this.enqueue({
        id: deliveryId(event.eventId, listener.name),
        listener,
        event,
        attemptsBefore: 0,
        heldUntil,
      });
    }
  }

  private lane(listener: string): ListenerLane {
    let lane = this.lanes.get(listener);
    if (!lane) this.lanes.set(listener, (lane = new ListenerLane()));
    return lane;
  }

  private start(lane: ListenerLane, job: DeliveryJob): void {
    lane.active += 1;
    const run = this.run(job)
      .catch((error: unknown) => {
        // Only the store write can fail here; the lease brings the delivery back.
        this.logger.error(`delivery ${job.id} not recorded: ${describeFailure(error)}`);
      })
      .finally(() => {
        this.running.delete(run);
        lane.active -= 1;
        const next = this.closed ? undefined : lane.waiting.shift();
        if (next) this.start(lane, next);
      });
    this.running.add(run);
  }

  private async run(job: DeliveryJob): Promise<void> {
    if (!(await this.holdLease(job))) return;
    const attempts = job.attemptsBefore + 1;
    const startedAt = Date.now();
    let outcome: AttemptOutcome;
    try {
      await job.listener.handler.handle(job.event, {
        deliveryId: job.id,
        attempt: attempts,
        listener: job.listener.name,
      });
      outcome = { status: 'done' };
    } catch (error) {
      outcome = this.failure(error, attempts);
      this.logger.warn(
        { delivery: job.id, listener: job.listener.name, attempts, status: outcome.status },
        `listener ${job.listener.name} failed`,
      );
    }
    const durationMs = Date.now() - startedAt;
    this.metrics.listenerDuration.observe(
      { listener: job.listener.name, outcome: outcome.status },
      durationMs / 1000,
    );
    await this.store.recordAttempt(job.id, { attempts, startedAt, durationMs, outcome });
  }

  /** A job that waited past half its lease renews it, unless another run took it over. */
  private async holdLease(job: DeliveryJob): Promise<boolean> {
    const now = Date.now();
    if (job.heldUntil - now > this.settings.leaseMs / 2) return true;
    return this.store.renewLease(job.id, job.heldUntil, now + this.settings.leaseMs);
  }

  private failure(error: unknown, attempts: number): AttemptOutcome {
    const description = describeFailure(error);
    if (error instanceof PermanentDeliveryError) return { status: 'dead', error: description };
    const delay = retryDelay(this.settings.retryScheduleMs, attempts);
    if (delay === null) return { status: 'dead', error: description };
    const nextAttemptAt =
      error instanceof RetryAfterError ? Math.max(error.retryAt, Date.now()) : Date.now() + delay;
    return { status: 'failed', error: description, nextAttemptAt };
  }
}
