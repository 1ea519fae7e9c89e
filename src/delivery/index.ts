// The delivery module's public API: all another module may use of it (ESLint holds them to it).
export { DeliveryModule } from './delivery.module';
// Listening: durable (recorded, retried, replayable) or in-process and best effort.
export { DurableListener } from './durable-listener.decorator';
export type { DeliveryContext, DurableHandler } from './durable-listener.decorator';
export { OnEventBestEffort } from './best-effort-listener.decorator';
export { NotDueError, PermanentDeliveryError, RetryAfterError } from './delivery.errors';
export { DurableListeners } from './durable-listeners';
// Operating: what the admin API shows and does.
export { DeliveryService } from './delivery.service';
export { DELIVERY_STATUSES } from './delivery-store';
export type { Delivery, DeliveryFilter, DeliveryStatus } from './delivery-store';
// Receiving: the webhook plans an accepted message's deliveries and hands them over.
export { DeliveryDispatcher } from './delivery-dispatcher';
