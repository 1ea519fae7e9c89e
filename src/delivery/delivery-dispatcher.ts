import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/all-config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AttemptRecord, DeliveryStore, OutboxRow } from './delivery-store';
import type { OutboxWriter } from '../inbox/message-store';
import {
  AnyDomainEvent,
  CONVERSATION_STARTED,
  eventsOfMessage,
  ReceivedMessage,
} from '../messages';
import { DeliveryMetrics } from './delivery.metrics';
import { describeFailure } from '../common/errors/describe-failure';
import { deliveryId, ListenerRegistry, RegisteredListener } from './listener-registry';
import { attemptDeliveries, filterVerdict } from './listener-attempt';

/** One attempt to run: a delivery this process holds the lease of. */
export interface DeliveryJob {
  readonly id: string;
  readonly listener: RegisteredListener;
  readonly event: AnyDomainEvent;
  readonly attemptsBefore: number;
  /** Lease expiry as stored; the lease is renewed if the job waited long for its turn. */
  readonly heldUntil: number;
}

/**
 * One message's outbox, planned before its transaction: the rows to write
 * with it (`write`, which the message store calls inside its transaction,
 * once it knows whether the message started its conversation), and the jobs
 * to run once it is committed.
 */
export class PlannedOutbox {
  private readonly always: OutboxRow[] = [];
  private readonly ifConversationStarted: OutboxRow[] = [];
  private readonly jobs: { job: DeliveryJob; started: boolean }[] = [];

  constructor(
    readonly events: readonly AnyDomainEvent[],
    readonly leaseUntil: number,
    private readonly store: DeliveryStore,
  ) {}

  readonly write: OutboxWriter = (trx, conversationStarted) =>
    this.store.writeOutbox(
      trx,
      conversationStarted ? [...this.always, ...this.ifConversationStarted] : this.always,
      Date.now(),
    );

  add(row: OutboxRow, listener: RegisteredListener, event: AnyDomainEvent): void {
    const started = event.name === CONVERSATION_STARTED;
    (started ? this.ifConversationStarted : this.always).push(row);
    if (row.status !== 'running') return;
    const job = { id: row.id, listener, event, attemptsBefore: 0, heldUntil: this.leaseUntil };
    this.jobs.push({ job, started });
  }

  /** The events the committed message caused. */
  eventsOf(conversationStarted: boolean): AnyDomainEvent[] {
    return this.events.filter(
      (event) => conversationStarted || event.name !== CONVERSATION_STARTED,
    );
  }

  jobsOf(conversationStarted: boolean): DeliveryJob[] {
    return this.jobs.filter(({ started }) => conversationStarted || !started).map(({ job }) => job);
  }
}

/** Per listener: at most `concurrency` attempts (or batches) at once, the rest wait in order. */
class ListenerLane {
  active = 0;
  readonly waiting: DeliveryJob[] = [];
  /** When the oldest waiting job came, for a listener that lets its batches fill. */
  waitingSince = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly listener: RegisteredListener) {}
}

/** Deliveries a batch-taking listener is handed at once. */
const MAX_BATCH = 256;

/**
 * Runs durable listeners. Fresh deliveries are handed over by the webhook
 * right after their commit, with no poll in between; retries and recovered
 * ones come from the poller. Listeners that take batches get every delivery
 * that is waiting for them at once. Outcomes are recorded in the store's
 * group commit, so the attempts of one moment cost one commit.
 */
@Injectable()
export class DeliveryDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  private readonly lanes = new Map<string, ListenerLane>();
  /** Best-effort listeners still at work, finished before the store closes. */
  private readonly emitting = new Set<Promise<unknown>>();
  /** Attempts under way, with the number of deliveries each holds. */
  private readonly running = new Map<Promise<void>, number>();
  private readonly toPump = new Set<ListenerLane>();
  private pumpScheduled = false;
  /** Shutting down: batches no longer wait to fill. */
  private draining = false;
  private readonly settings: AllConfig['delivery'];
  private closed = false;

  constructor(
    private readonly registry: ListenerRegistry,
    private readonly store: DeliveryStore,
    private readonly metrics: DeliveryMetrics,
    private readonly bus: EventEmitter2,
    config: ConfigService<AllConfig, true>,
  ) {
    this.settings = config.get('delivery', { infer: true });
  }

  /**
   * The outbox of a message about to be stored: a row per (event, listener)
   * whose filter accepts it. A filter that throws never fails the webhook:
   * its row is written `dead` with the error, for an operator to see and redrive.
   */
  plan(message: ReceivedMessage): PlannedOutbox {
    const events = eventsOfMessage(message, message.conversationKey !== null);
    const outbox = new PlannedOutbox(events, Date.now() + this.settings.leaseMs, this.store);
    for (const event of events) {
      for (const listener of this.registry.listenersOf(event.name)) {
        const verdict = this.filter(listener, event);
        if (verdict === false) continue;
        const row = {
          id: deliveryId(event, listener.name),
          messageKey: message.key,
          eventName: event.name,
          eventId: event.eventId,
          listener: listener.name,
        };
        outbox.add(
          verdict === true
            ? { ...row, status: 'running', nextAttemptAt: outbox.leaseUntil, lastError: null }
            : { ...row, status: 'dead', nextAttemptAt: null, lastError: verdict.error },
          listener,
          event,
        );
      }
    }
    return outbox;
  }

  /**
   * After the commit: starts the message's durable deliveries (leased to this
   * process already) and emits its events to in-process, best-effort listeners.
   */
  dispatch(outbox: PlannedOutbox, conversationStarted: boolean): void {
    for (const job of outbox.jobsOf(conversationStarted)) this.enqueue(job);
    for (const event of outbox.eventsOf(conversationStarted)) this.emit(event);
  }

  private emit(event: AnyDomainEvent): void {
    this.metrics.eventsEmitted.inc({ event: event.name });
    // Async, so a listener that throws at once rejects `done` rather than this call.
    const done = (async () => this.bus.emitAsync(event.name, event))().catch((error: unknown) => {
      this.logger.error(`listener of ${event.name} failed: ${describeFailure(error)}`);
    });
    this.emitting.add(done);
    void done.finally(() => this.emitting.delete(done));
  }

  enqueue(job: DeliveryJob): void {
    // Shutting down: the stored lease brings the delivery back on the next start.
    if (this.closed) return;
    const lane = this.lane(job.listener);
    if (lane.waiting.length === 0) lane.waitingSince = Date.now();
    lane.waiting.push(job);
    this.toPump.add(lane);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Once the commit's callers have all handed over their jobs: batches are whole.
    setImmediate(() => this.pump());
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
    // Deliveries handed over before the signal start now, and are finished like the rest.
    this.draining = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    this.pump();
    for (const lane of this.lanes.values()) this.fill(lane);
    this.closed = true;
    const queued = [...this.lanes.values()].flatMap((lane) => lane.waiting.splice(0));
    const running = [...this.running];
    this.drained = {
      finished: running.reduce((sum, [, deliveries]) => sum + deliveries, 0),
      released: queued.length,
    };
    await Promise.allSettled([...running.map(([attempt]) => attempt), ...this.emitting]);
    try {
      await this.store.release(
        queued.map((job) => job.id),
        Date.now(),
      );
    } catch (error) {
      this.logger.error(`could not release queued deliveries: ${describeFailure(error)}`);
    }
  }

  private filter(listener: RegisteredListener, event: AnyDomainEvent): boolean | { error: string } {
    const verdict = filterVerdict(listener, event);
    if (typeof verdict === 'object') {
      this.logger.warn(
        { listener: listener.name, event: event.name },
        `listener ${listener.name}: ${verdict.error}`,
      );
    }
    return verdict;
  }

  private lane(listener: RegisteredListener): ListenerLane {
    let lane = this.lanes.get(listener.name);
    if (!lane) this.lanes.set(listener.name, (lane = new ListenerLane(listener)));
    return lane;
  }

  private pump(): void {
    this.pumpScheduled = false;
    const lanes = [...this.toPump];
    this.toPump.clear();
    for (const lane of lanes) this.fill(lane);
  }

  private fill(lane: ListenerLane): void {
    const { handler } = lane.listener;
    const batches = handler.handleBatch !== undefined;
    if (batches && this.lingers(lane)) return;
    while (!this.closed && lane.active < this.settings.concurrency && lane.waiting.length > 0) {
      const jobs = lane.waiting.splice(0, batches ? MAX_BATCH : 1);
      lane.waitingSince = Date.now();
      lane.active += 1;
      const run = this.run(lane.listener, jobs)
        .catch((error: unknown) => {
          // Only the store write can fail here; the lease brings the deliveries back.
          this.logger.error(
            `${jobs.length} deliveries of ${lane.listener.name} not recorded: ${describeFailure(error)}`,
          );
        })
        .finally(() => {
          this.running.delete(run);
          lane.active -= 1;
          this.fill(lane);
        });
      this.running.set(run, jobs.length);
    }
  }

  /**
   * A listener with `batchDelayMs` gets its deliveries at most that long
   * after the first of them came, or at once when a full batch is waiting:
   * fewer, larger batches, each written in one go.
   */
  private lingers(lane: ListenerLane): boolean {
    const delay = lane.listener.handler.batchDelayMs ?? 0;
    if (delay <= 0 || this.draining || lane.waiting.length >= MAX_BATCH) return false;
    const remaining = lane.waitingSince + delay - Date.now();
    if (remaining <= 0) return false;
    if (lane.timer === undefined) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.fill(lane);
      }, remaining);
      lane.timer.unref();
    }
    return true;
  }

  private async run(listener: RegisteredListener, queued: readonly DeliveryJob[]): Promise<void> {
    const jobs = await this.held(queued);
    if (jobs.length === 0) return;
    const records = await this.attempt(listener, jobs);
    await this.store.recordAttempts(records);
  }

  /** One attempt (see attemptDeliveries), logged and timed. */
  private async attempt(
    listener: RegisteredListener,
    jobs: readonly DeliveryJob[],
  ): Promise<{ id: string; record: AttemptRecord }[]> {
    const results = await attemptDeliveries(listener, jobs, this.settings.retryScheduleMs);
    return results.map(({ job, record }) => {
      const { outcome, attempts, durationMs } = record;
      if (outcome.status === 'failed' || outcome.status === 'dead') {
        this.logger.warn(
          { delivery: job.id, listener: listener.name, attempts, status: outcome.status },
          `listener ${listener.name} failed: ${outcome.error}`,
        );
      }
      this.metrics.listenerDuration.observe(
        { listener: listener.name, outcome: outcome.status },
        durationMs / 1000,
      );
      return { id: job.id, record };
    });
  }

  /** Jobs that waited past half their lease renew it, unless another run took them over. */
  private async held(jobs: readonly DeliveryJob[]): Promise<DeliveryJob[]> {
    const now = Date.now();
    const kept: DeliveryJob[] = [];
    const leaseUntil = now + this.settings.leaseMs;
    for (const job of jobs) {
      if (job.heldUntil - now > this.settings.leaseMs / 2) kept.push(job);
      else if (await this.store.renewLease(job.id, job.heldUntil, leaseUntil)) {
        kept.push({ ...job, heldUntil: leaseUntil });
      }
    }
    return kept;
  }
}
