import { Module } from '@nestjs/common';
import { WebhookChannel } from './channels/webhook.channel';
import { OfflineMessageListener } from './listeners/offline-message.listener';

@Module({ providers: [WebhookChannel, OfflineMessageListener] })
export class NotificationsModule {}
