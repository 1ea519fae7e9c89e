import type { INestApplication } from '@nestjs/common';
import { ListenerRegistry } from '../../src/delivery/listener-registry';
import { MessageStore } from '../../src/inbox/message-store';
import { eventsOfMessage } from '../../src/messages';

/**
 * The deliveries a stored message is owed, `event → listener`, sorted: one per
 * event it caused and listener the app discovered whose filter takes it. For
 * assertions that must not list the listeners by hand (adding one breaks none).
 */
export async function plannedDeliveries(app: INestApplication, key: string): Promise<string[]> {
  const stored = await app.get(MessageStore).findByKey(key);
  if (!stored) throw new Error(`message ${key} is not stored`);
  const events = eventsOfMessage(stored.message, stored.conversationStarted);
  return app
    .get(ListenerRegistry)
    .deliveriesFor(events)
    .map((delivery) => `${delivery.eventName} → ${delivery.listener}`)
    .sort();
}
