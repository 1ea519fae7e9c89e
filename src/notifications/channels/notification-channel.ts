import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { AllConfig } from '../../config/all-config';
import type { AnyDomainEvent } from '../../messages';
import type { AlertNotice } from './alert-notice';
import { channelDefinition } from './channel.decorator';

/** NOTIFY_*, SMTP_URL, KOMMUNICATE_*: what channels read from the environment. */
export type NotificationSettings = AllConfig['notifications'];

/** What a channel is asked to send: one event, for one rule. */
export interface NotificationContext {
  readonly rule: string;
  readonly event: AnyDomainEvent;
  /** Stable across retries: channels that support it pass it on as an idempotency key. */
  readonly deliveryId: string;
  /** Set when this is an unanswered-conversation alert (or its resolution), not a message notification. */
  readonly alert?: AlertNotice;
}

/**
 * What every entry of a rule's `send` has. A channel's options class extends
 * it with its own fields, class-validator decorated: the rules file is checked
 * against it at start-up, every error naming the rule and the field.
 */
export abstract class ChannelDto {
  /** The channel's type, as given to @Channel; picks the class the entry is checked against. */
  @IsString()
  channel!: string;

  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number;
}

/**
 * One way of telling someone, marked with @Channel. `send` resolves when the
 * far side accepted it, with the status it answered (HTTP, or the SMTP reply
 * code; null when it gave none), and throws otherwise: PermanentDeliveryError
 * when retrying cannot help, RetryAfterError when told when to come back,
 * anything else to be retried. Errors may carry the far side's `status` too,
 * for the log (see channel-errors.ts).
 */
export abstract class NotificationChannel<O extends ChannelDto = ChannelDto> {
  /** As given to @Channel: what rules name it by. */
  get type(): string {
    return channelDefinition(this.constructor).type;
  }

  abstract send(options: O, context: NotificationContext): Promise<number | null>;
}
