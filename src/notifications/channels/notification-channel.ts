import type { AnyDomainEvent } from '../../messages';
import type { AnyChannelDto, ChannelType } from '../rules/rule.dto';

/** What a channel is asked to send: one event, for one rule. */
export interface NotificationContext {
  readonly rule: string;
  readonly event: AnyDomainEvent;
  /** Stable across retries: channels that support it pass it on as an idempotency key. */
  readonly deliveryId: string;
}

/**
 * One way of telling someone. `send` resolves when the far side accepted it,
 * with the status it answered (HTTP, or the SMTP reply code; null when it gave
 * none), and throws otherwise: PermanentDeliveryError when retrying cannot
 * help, RetryAfterError when told when to come back, anything else to be
 * retried. Errors may carry the far side's `status` too, for the log.
 */
export abstract class NotificationChannel<C extends AnyChannelDto = AnyChannelDto> {
  abstract readonly type: ChannelType;
  abstract send(config: C, context: NotificationContext): Promise<number | null>;
}

/** The HTTP or SMTP status a channel error carries, if any. */
export function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}
