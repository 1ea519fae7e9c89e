import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DeliveryDispatcher } from '../delivery/delivery-dispatcher';
import { Metrics } from '../metrics/metrics';
import { MessageStore } from '../storage/message-store';
import type { AnyDomainEvent, ReceivedMessage } from './events';

export type AcceptOutcome = { status: 'accepted' | 'duplicate'; key: string };

/** The one place that decides whether a message is new: store with its outbox, commit, then emit. */
@Injectable()
export class WebhookService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookService.name);
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: MessageStore,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly events: EventEmitter2,
    private readonly metrics: Metrics,
  ) {}

  async accept(message: ReceivedMessage, raw: string): Promise<AcceptOutcome> {
    // Planned before the transaction: listener filters run once, and never inside it.
    const outbox = this.dispatcher.plan(message);
    const outcome = await this.store.save(message, raw, outbox);
    this.metrics.webhookOutcomes.inc({ outcome: outcome.status, code: '' });
    if (outcome.status === 'duplicate') {
      this.logger.debug({ key: message.key }, 'duplicate delivery ignored');
      return { status: 'duplicate', key: message.key };
    }
    // After the commit, never inside it: a listener cannot undo or delay the store.
    this.dispatcher.dispatch(outbox, outcome.conversationStarted);
    for (const event of outbox.eventsOf(outcome.conversationStarted)) this.emit(event);
    return { status: 'accepted', key: message.key };
  }

  /** Plain (non-durable) listener work still running is finished before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private emit(event: AnyDomainEvent): void {
    this.metrics.eventsEmitted.inc({ event: event.name });
    const done = this.events.emitAsync(event.name, event).catch((error: unknown) => {
      this.logger.error(`listener of ${event.name} failed: ${String(error)}`);
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}
