import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/all-config';
import { DurableListeners } from '../delivery';
import type { AnyDomainEvent } from '../messages';
import { KOMMHOOK_REPLY_MARKER } from './channels/kommunicate-reply.channel';
import { NotificationSender } from './notification-sender';
import { CompiledRule, loadRules } from './rules/rules-file';

/** The rules in force, read and checked once at start-up. */
export class NotificationRules {
  constructor(readonly rules: readonly CompiledRule[]) {}

  static fromConfig(config: ConfigService<AllConfig, true>): NotificationRules {
    const notifications = config.get('notifications', { infer: true });
    return new NotificationRules(
      loadRules({
        file: notifications.rulesFile,
        webhookUrl: notifications.webhookUrl,
        env: process.env,
        smtpConfigured: notifications.smtpUrl !== undefined,
        kommunicateConfigured: notifications.kommunicate.apiKey !== undefined,
      }),
    );
  }
}

/**
 * Each (rule, channel) becomes a durable listener of its own, named
 * `notifications.<rule>.<channel>`, so one channel's failure is retried
 * without sending again through the others. A delivery is recorded only for
 * events the rule matches, and never for kommhook's own replies.
 */
@Injectable()
export class RuleListeners implements OnModuleInit {
  private readonly replyUser: string;

  constructor(
    private readonly listeners: DurableListeners,
    private readonly rules: NotificationRules,
    private readonly sender: NotificationSender,
    config: ConfigService<AllConfig, true>,
  ) {
    this.replyUser = config.get('notifications', { infer: true }).kommunicate.replyUser;
  }

  onModuleInit(): void {
    for (const rule of this.rules.rules) {
      for (const channel of rule.channels) {
        this.listeners.register({
          name: `notifications.${rule.name}.${channel.id}`,
          events: rule.events,
          handler: {
            accepts: (event) => !this.isOwnReply(event) && rule.matches(event),
            handle: (event, delivery) => this.sender.send(rule, channel, event, delivery),
          },
        });
      }
    }
  }

  /** No reply loops: kommhook's replies come back through the webhook like any message. */
  private isOwnReply({ message }: AnyDomainEvent): boolean {
    return (
      message.from === this.replyUser || Object.hasOwn(message.metadata, KOMMHOOK_REPLY_MARKER)
    );
  }
}
