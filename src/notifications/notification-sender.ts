import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { PermanentDeliveryError } from '../delivery';
import { describeFailure } from '../common/errors/describe-failure';
import type { DeliveryContext } from '../delivery';
import type { AnyDomainEvent } from '../messages';
import { statusOf } from './channels/channel-errors';
import { ChannelRegistry } from './channels/channel-registry';
import { EmailChannel } from './channels/email.channel';
import type { DigestEmailDto } from './digests/digest-rule';
import type { DigestMail } from './digests/digest-report';
import type { ChannelDto } from './channels/notification-channel';
import { NotificationMetrics } from './notification.metrics';
import { NotificationLog } from './notification-log';
import type { CompiledRule } from './rules/rule-compiler';

/**
 * Sends one rule's notification through one channel, as one durable
 * delivery: the throttle is asked first, every attempt is logged, and a
 * failure is rethrown for the delivery machinery to retry or bury.
 */
@Injectable()
export class NotificationSender {
  constructor(
    private readonly log: NotificationLog,
    private readonly clock: Clock,
    private readonly metrics: NotificationMetrics,
    private readonly channels: ChannelRegistry,
  ) {}

  async send(
    rule: CompiledRule,
    channel: { readonly id: string; readonly config: ChannelDto },
    event: AnyDomainEvent,
    delivery: DeliveryContext,
  ): Promise<void> {
    const { message } = event;
    const id = await this.log.begin(
      {
        deliveryId: delivery.deliveryId,
        rule: rule.name,
        channel: channel.id,
        eventName: event.name,
        messageKey: message.key,
        throttleKey: message.conversationKey ?? `sender:${message.from}`,
      },
      this.clock.now().getTime(),
      rule.throttle,
    );
    const count = (outcome: string): void => {
      this.metrics.attempts.inc({ channel: channel.config.channel, outcome });
    };
    if (id === null) return count('throttled');
    let remoteStatus: number | null;
    try {
      remoteStatus = await this.channels.get(channel.config.channel).send(channel.config, {
        rule: rule.name,
        event,
        deliveryId: delivery.deliveryId,
      });
    } catch (error) {
      const status = error instanceof PermanentDeliveryError ? 'rejected' : 'failed';
      count(status);
      await this.log.finish(id, this.clock.now().getTime(), {
        status,
        error: describeFailure(error),
        remoteStatus: statusOf(error),
      });
      throw error;
    }
    count('sent');
    await this.log.finish(id, this.clock.now().getTime(), { status: 'sent', remoteStatus });
  }

  /**
   * Sends a digest by e-mail, logged like every notification (event
   * `digest.daily` or `digest.weekly`, the period's days as its key); a
   * failure is logged and rethrown for the scheduler to retry or give up.
   */
  async sendDigest(
    rule: string,
    channel: { readonly id: string; readonly config: DigestEmailDto },
    digest: {
      readonly id: string;
      readonly event: string;
      readonly key: string;
      readonly mail: DigestMail;
    },
  ): Promise<void> {
    const email = this.channels.get('email');
    if (!(email instanceof EmailChannel)) throw new Error('the e-mail channel is not registered');
    const id = await this.log.begin(
      {
        deliveryId: digest.id,
        rule,
        channel: channel.id,
        eventName: digest.event,
        messageKey: digest.key,
        throttleKey: null,
      },
      this.clock.now().getTime(),
      null,
    );
    // No throttle: a digest is never held back.
    if (id === null) return;
    let remoteStatus: number | null;
    try {
      remoteStatus = await email.sendMail(channel.config, digest.mail, {
        rule,
        messageId: digest.id,
      });
    } catch (error) {
      const status = error instanceof PermanentDeliveryError ? 'rejected' : 'failed';
      this.metrics.attempts.inc({ channel: 'email', outcome: status });
      await this.log.finish(id, this.clock.now().getTime(), {
        status,
        error: describeFailure(error),
        remoteStatus: statusOf(error),
      });
      throw error;
    }
    this.metrics.attempts.inc({ channel: 'email', outcome: 'sent' });
    await this.log.finish(id, this.clock.now().getTime(), { status: 'sent', remoteStatus });
  }
}
