import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/all-config';
import { Delivery, DeliveryStore } from './delivery-store';
import { MessageStore } from '../inbox/message-store';
import { eventsOfMessage } from '../messages';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { describeFailure } from '../common/errors/describe-failure';
import { ListenerRegistry } from './listener-registry';

const BATCH = 100;

/**
 * Finds the deliveries nobody is running: retries that came due, work a
 * crash left (once its lease runs out), and replays. Fresh deliveries never
 * wait for it. At start-up it runs at once, to resume what a stop left.
 */
@Injectable()
export class DeliveryPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryPoller.name);
  private readonly settings: AllConfig['delivery'];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly messages: MessageStore,
    private readonly registry: ListenerRegistry,
    private readonly dispatcher: DeliveryDispatcher,
    config: ConfigService<AllConfig, true>,
  ) {
    this.settings = config.get('delivery', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.kick();
  }

  /** Look now rather than at the next tick (after a replay or a retry request). */
  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.kick();
      } else {
        this.timer = setTimeout(() => this.kick(), this.settings.pollMs);
        this.timer.unref();
      }
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
  }

  private async tick(): Promise<void> {
    try {
      // Claim no more than can start soon, so leases are not spent waiting in memory.
      const room = this.settings.concurrency * Math.max(1, this.registry.events().length) * 2;
      const limit = Math.min(BATCH, room - this.dispatcher.backlog());
      if (limit <= 0) return;
      const now = Date.now();
      const claimed = await this.deliveries.claimDue(now, now + this.settings.leaseMs, limit);
      if (claimed.length === 0) return;
      await this.hand(claimed, now + this.settings.leaseMs);
      if (claimed.length === limit) this.again = true;
    } catch (error) {
      this.logger.error(`delivery poll failed: ${describeFailure(error)}`);
    }
  }

  private async hand(claimed: readonly Delivery[], heldUntil: number): Promise<void> {
    const stored = await this.messages.findByKeys([...new Set(claimed.map((d) => d.messageKey))]);
    for (const delivery of claimed) {
      const listener = this.registry.get(delivery.listener);
      const message = stored.get(delivery.messageKey);
      const event =
        message &&
        eventsOfMessage(message.message, message.conversationStarted).find(
          (candidate) => candidate.eventId === delivery.eventId,
        );
      if (!listener || !event) {
        await this.bury(
          delivery,
          heldUntil,
          listener ? 'its event can no longer be built' : 'listener not registered',
        );
        continue;
      }
      this.dispatcher.enqueue({
        id: delivery.id,
        listener,
        event,
        attemptsBefore: delivery.attempts,
        heldUntil,
      });
    }
  }

  /** A delivery that cannot run in this build is dead, not retried for ever; a redrive revives it. */
  private async bury(delivery: Delivery, heldUntil: number, reason: string): Promise<void> {
    const now = Date.now();
    await this.deliveries.recordAttempts([
      {
        id: delivery.id,
        record: {
          heldUntil,
          attempts: delivery.attempts,
          startedAt: now,
          durationMs: 0,
          outcome: { status: 'dead', error: reason },
        },
      },
    ]);
  }
}
