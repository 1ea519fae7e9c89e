import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DeliveryModule } from '../delivery';
import { SupportModule } from '../support';
import { UnansweredAlerts } from './alerts/unanswered-alerts';
import { ChannelRegistry } from './channels/channel-registry';
import { EmailChannel } from './channels/email.channel';
import { KommunicateReplyChannel } from './channels/kommunicate-reply.channel';
import { SlackChannel } from './channels/slack.channel';
import { WebhookChannel } from './channels/webhook.channel';
import { DigestClaims } from './digests/digest-claims';
import { DigestScheduler } from './digests/digest-scheduler';
import { NotificationLog } from './notification-log';
import { PostgresNotificationLog, SqlNotificationLog } from './sql-notification-log';
import { Database } from '../storage/database';
import { NotificationMetrics } from './notification.metrics';
import { NotificationSender } from './notification-sender';
import { NotificationsController } from './notifications.controller';
import { NotificationRules, RuleListeners } from './rule-listeners';

/**
 * Rules from NOTIFICATIONS_FILE (or NOTIFY_WEBHOOK_URL), sent through channels as durable
 * deliveries; digest rules sent on their schedules.
 */
@Module({
  imports: [DiscoveryModule, DeliveryModule, SupportModule],
  controllers: [NotificationsController],
  providers: [
    ChannelRegistry,
    NotificationRules,
    RuleListeners,
    UnansweredAlerts,
    NotificationSender,
    DigestClaims,
    DigestScheduler,
    {
      provide: NotificationLog,
      inject: [Database],
      useFactory: (db: Database) =>
        db.dialect.name === 'postgres'
          ? new PostgresNotificationLog(db)
          : new SqlNotificationLog(db),
    },
    NotificationMetrics,
    // The channels: each found by its @Channel decorator, in this order in messages.
    WebhookChannel,
    SlackChannel,
    EmailChannel,
    KommunicateReplyChannel,
  ],
})
export class NotificationsModule {}
