import { Injectable } from '@nestjs/common';
import { Cursor, invalidQuery, Page } from '../common/query/query-params';
import { Delivery, DeliveryFilter, DeliveryStore, NewDelivery } from './delivery-store';
import { MessageStore } from '../inbox/message-store';
import { eventsOfMessage } from '../messages';
import { DeliveryPoller } from './delivery-poller';
import { ListenerRegistry } from './listener-registry';

/** What an operator can do to deliveries: replay a message, retry one, redrive many. */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly messages: MessageStore,
    private readonly registry: ListenerRegistry,
    private readonly poller: DeliveryPoller,
  ) {}

  /**
   * Runs the message's listeners again (or one of them), with a fresh retry
   * schedule; listeners added since the message arrived get it too.
   * Null when the message is not stored.
   */
  async replay(messageKey: string, listener?: string): Promise<NewDelivery[] | null> {
    if (listener !== undefined && !this.registry.get(listener)) {
      throw invalidQuery('listener', `listener must be one of ${this.registry.names().join(', ')}`);
    }
    const stored = await this.messages.findByKey(messageKey);
    if (!stored) return null;
    const events = eventsOfMessage(stored.message, stored.conversationStarted);
    const deliveries = this.registry.deliveriesFor(events, listener);
    await this.deliveries.schedule(deliveries, Date.now());
    this.poller.kick();
    return deliveries;
  }

  /** Newest first. */
  list(filter: DeliveryFilter, limit: number, cursor?: Cursor): Promise<Page<Delivery>> {
    return this.deliveries.list(filter, limit, cursor);
  }

  forMessage(messageKey: string): Promise<Delivery[]> {
    return this.deliveries.forMessage(messageKey);
  }

  async retry(id: string): Promise<Delivery | null> {
    const delivery = await this.deliveries.retry(id, Date.now());
    if (delivery) this.poller.kick();
    return delivery;
  }

  async retryMany(filter: DeliveryFilter): Promise<number> {
    const count = await this.deliveries.retryMany(filter, Date.now());
    if (count > 0) this.poller.kick();
    return count;
  }
}
