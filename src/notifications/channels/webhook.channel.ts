import { ConfigService } from '@nestjs/config';
import { IsObject, IsOptional } from 'class-validator';
import { IsHttpUrl } from '../../common/validation/is-http-url.decorator';
import type { AllConfig } from '../../config/all-config';
import type { EventName, MessageFile } from '../../messages';
import type { AlertNotice } from './alert-notice';
import { Channel } from './channel.decorator';
import { postJson } from './http-post';
import { ChannelDto, NotificationChannel, type NotificationContext } from './notification-channel';

export class WebhookChannelDto extends ChannelDto {
  @IsHttpUrl({ message: 'url must be an http(s) URL' })
  url!: string;

  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;
}

/** What a webhook rule POSTs: the message, flattened, with the event and rule that sent it. */
export interface WebhookPayload {
  /** An alert's is `conversation.unanswered` or `conversation.resolved`. */
  event: EventName | `conversation.${AlertNotice['kind']}`;
  rule: string;
  key: string;
  conversation: string | null;
  from: string;
  text: string;
  /** ISO 8601, when kommhook committed the message. */
  receivedAt: string;
  metadata: Record<string, string>;
  file: MessageFile | null;
  /** Alerts only: the step and the dedup key its resolution shares (message fields: the customer's message). */
  alert?: {
    dedupKey: string;
    step: number | null;
    /** ISO 8601. */
    waitStartedAt: string;
    waitedMs: number;
  };
}

/**
 * POSTs the message as JSON to the rule's URL, with the rule's headers and an
 * `Idempotency-Key` (the delivery id, stable across retries) so the far side
 * can drop a retry of a request it did handle.
 */
@Channel({ type: 'webhook', options: WebhookChannelDto })
export class WebhookChannel extends NotificationChannel<WebhookChannelDto> {
  private readonly defaultTimeoutMs: number;

  constructor(config: ConfigService<AllConfig, true>) {
    super();
    this.defaultTimeoutMs = config.get('notifications', { infer: true }).timeoutMs;
  }

  async send(config: WebhookChannelDto, context: NotificationContext): Promise<number> {
    const { event, rule, deliveryId } = context;
    const { message } = event;
    const { alert } = context;
    const payload: WebhookPayload = {
      event: alert ? `conversation.${alert.kind}` : event.name,
      rule,
      key: message.key,
      conversation: message.conversationKey,
      from: message.from,
      text: message.text,
      receivedAt: message.receivedAt.toISOString(),
      metadata: { ...message.metadata },
      file: message.file,
    };
    if (alert) {
      payload.alert = {
        dedupKey: alert.dedupKey,
        step: alert.step,
        waitStartedAt: new Date(alert.waitStartedAt).toISOString(),
        waitedMs: alert.waitedMs,
      };
    }
    return postJson(config.url, payload, {
      // Ours last: a rule cannot replace the idempotency key.
      headers: { ...config.headers, 'Idempotency-Key': deliveryId },
      timeoutMs: config.timeoutMs ?? this.defaultTimeoutMs,
      label: 'webhook',
    });
  }
}
