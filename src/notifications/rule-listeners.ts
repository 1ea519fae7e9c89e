import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/all-config';
import { DurableListeners } from '../delivery';
import type { AnyDomainEvent } from '../messages';
import { ChannelRegistry } from './channels/channel-registry';
import { KOMMHOOK_REPLY_MARKER } from './channels/kommunicate-reply.channel';
import { NotificationSender } from './notification-sender';
import type { CompiledDigest } from './digests/digest-rule';
import { CompiledRule, loadRuleSet } from './rules/rule-compiler';

/**
 * The rules in force, read and checked once, while the application is built:
 * a mistake stops the start before anything else has run or logged.
 */
@Injectable()
export class NotificationRules {
  readonly rules: readonly CompiledRule[];
  /** The digest rules, sent on their schedules (see digests/digest-scheduler.ts). */
  readonly digests: readonly CompiledDigest[];

  constructor(config: ConfigService<AllConfig, true>, channels: ChannelRegistry) {
    const settings = config.get('notifications', { infer: true });
    ({ rules: this.rules, digests: this.digests } = loadRuleSet(
      { file: settings.rulesFile, webhookUrl: settings.webhookUrl, env: process.env },
      { channels: channels.definitions(), settings },
    ));
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
      // Alert rules have timers of their own: alerts/unanswered-alerts.ts.
      if (rule.unanswered) continue;
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
