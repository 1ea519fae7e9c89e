import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/all-config';
import { DurableHandler, DurableListener } from '../../delivery/durable-listener.decorator';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../../webhook/events';
import { WebhookChannel } from '../channels/webhook.channel';

/** What the offline notification POSTs to NOTIFY_WEBHOOK_URL. */
export interface OfflineNotification {
  event: typeof MESSAGE_RECEIVED;
  key: string;
  conversation: string | null;
  from: string;
  text: string;
  receivedAt: string;
}

/** Nobody was online to read the message: tell NOTIFY_WEBHOOK_URL, when it is set. */
@DurableListener(MESSAGE_RECEIVED, 'notifications.offline-webhook')
export class OfflineMessageListener implements DurableHandler<MessageReceivedEvent> {
  private readonly logger = new Logger(OfflineMessageListener.name);
  private readonly url: string | undefined;
  private readonly timeoutMs: number;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly webhook: WebhookChannel,
  ) {
    ({ webhookUrl: this.url, timeoutMs: this.timeoutMs } = config.get('notifications', {
      infer: true,
    }));
  }

  /** Without a URL there is nothing to deliver: no delivery records either. */
  get enabled(): boolean {
    return this.url !== undefined;
  }

  accepts(event: MessageReceivedEvent): boolean {
    return event.message.receiverConnected === false;
  }

  async handle(event: MessageReceivedEvent): Promise<void> {
    const { message } = event;
    if (!this.url) return;
    const notification: OfflineNotification = {
      event: MESSAGE_RECEIVED,
      key: message.key,
      conversation: message.conversationKey,
      from: message.from,
      text: message.text,
      receivedAt: message.receivedAt.toISOString(),
    };
    await this.webhook.send(this.url, notification, this.timeoutMs);
    this.logger.log({ key: message.key }, 'offline notification sent');
  }
}
