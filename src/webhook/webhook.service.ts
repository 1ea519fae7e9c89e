import { Injectable, Logger } from '@nestjs/common';
import { DeliveryDispatcher } from '../delivery';
import { MessageStore } from '../inbox/message-store';
import type { ReceivedMessage } from '../messages';
import { WebhookMetrics } from './webhook.metrics';

export type AcceptOutcome = { status: 'accepted' | 'duplicate'; key: string };

/** The one place that decides whether a message is new: store with its outbox, commit, then fan out. */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger(WebhookService.name);

  constructor(
    private readonly store: MessageStore,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly metrics: WebhookMetrics,
  ) {}

  async accept(message: ReceivedMessage, raw: string): Promise<AcceptOutcome> {
    // Planned before the transaction: listener filters run once, and never inside it.
    const outbox = this.dispatcher.plan(message);
    const outcome = await this.store.save(message, raw, outbox.write);
    this.metrics.outcomes.inc({ outcome: outcome.status, code: '' });
    if (outcome.status === 'duplicate') {
      this.logger.debug({ key: message.key }, 'duplicate delivery ignored');
      return { status: 'duplicate', key: message.key };
    }
    // After the commit, never inside it: a listener cannot undo or delay the store.
    this.dispatcher.dispatch(outbox, outcome.conversationStarted);
    return { status: 'accepted', key: message.key };
  }
}
