import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../../common/clock/clock';
import { describeFailure } from '../../common/errors/describe-failure';
import { addBusinessMs } from '../../common/time/business-deadline';
import type { BusinessHours } from '../../common/time/business-hours';
import type { AllConfig } from '../../config/all-config';
import {
  type DeliveryContext,
  DurableListeners,
  NotDueError,
  PermanentDeliveryError,
  RetryAfterError,
} from '../../delivery';
import type { AnyDomainEvent } from '../../messages';
import { type CustomerWait, SupportRoles, SupportWaits } from '../../support';
import type { AlertNotice } from '../channels/alert-notice';
import { statusOf } from '../channels/channel-errors';
import { ChannelRegistry } from '../channels/channel-registry';
import { KOMMHOOK_REPLY_MARKER } from '../channels/kommunicate-reply.channel';
import type { ChannelDto } from '../channels/notification-channel';
import { NotificationMetrics } from '../notification.metrics';
import { NotificationEntry, NotificationLog } from '../notification-log';
import { NotificationRules } from '../rule-listeners';
import type { CompiledRule } from '../rules/rule-compiler';
import { ALERT_CHANNELS, type UnansweredPlan } from '../rules/unanswered-rule';
import { CONVERSATION_RESOLVED, CONVERSATION_UNANSWERED } from '../rules/unanswered-rule.dto';

type AlertRule = CompiledRule & { readonly unanswered: UnansweredPlan };
type RuleChannel = { readonly id: string; readonly config: ChannelDto };

/** Conversation + wait start: what an alert's steps and its resolution share. */
export const dedupKeyOf = (wait: Pick<CustomerWait, 'conversationKey' | 'startedAt'>): string =>
  `${wait.conversationKey}@${wait.startedAt}`;

const waitStartOf = (dedupKey: string): number =>
  Number(dedupKey.slice(dedupKey.lastIndexOf('@') + 1));

/**
 * "Unanswered after N minutes" alerts. Each alert rule has two durable listeners:
 *
 * - `notifications.<rule>.timer`, a delivery per customer message that is a
 *   timer: until its next step is due it throws NotDueError, so it waits
 *   `pending` in the store (a restart keeps it). When due, it asks support
 *   whether the message started a wait no agent has answered, and if so
 *   sends the step; the last step (and its repeats) done, the delivery is.
 * - `notifications.<rule>.resolve`, a delivery per agent message: it sends
 *   the "resolved" follow-up for the alerts of that conversation.
 *
 * Every send is a notification_log row with the alert's dedup key, so the
 * timeline shows in /api/notifications, and a step already sent is never
 * sent again (retries, replays, two rules' resolutions racing).
 */
@Injectable()
export class UnansweredAlerts implements OnModuleInit {
  private readonly replyUser: string;
  private readonly hours: BusinessHours;

  constructor(
    private readonly listeners: DurableListeners,
    private readonly rules: NotificationRules,
    private readonly waits: SupportWaits,
    private readonly roles: SupportRoles,
    private readonly log: NotificationLog,
    private readonly channels: ChannelRegistry,
    private readonly metrics: NotificationMetrics,
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    this.replyUser = config.get('notifications', { infer: true }).kommunicate.replyUser;
    this.hours = config.get('support', { infer: true }).businessHours;
  }

  onModuleInit(): void {
    for (const rule of this.rules.rules) {
      if (!rule.unanswered) continue;
      const alert = rule as AlertRule;
      this.listeners.register({
        name: `notifications.${rule.name}.timer`,
        events: rule.events,
        handler: {
          accepts: (event) =>
            this.roleOf(event) === 'customer' && !this.isOwnReply(event) && rule.matches(event),
          handle: (event, delivery) => this.fire(alert, event, delivery),
        },
      });
      if (!rule.channels.some((channel) => ALERT_CHANNELS[channel.config.channel]?.resolves)) {
        continue;
      }
      this.listeners.register({
        name: `notifications.${rule.name}.resolve`,
        events: rule.events,
        handler: {
          accepts: (event) => this.roleOf(event) === 'agent',
          handle: (event, delivery) => this.resolveAfter(alert, event, delivery),
        },
      });
    }
  }

  /** The timer of one customer message: the step due now, or a wait till the next. */
  private async fire(
    rule: AlertRule,
    event: AnyDomainEvent,
    delivery: DeliveryContext,
  ): Promise<void> {
    const plan = rule.unanswered;
    const now = this.clock.now().getTime();
    // The message's timeStamp is the wait's start if it started one: nothing to ask before the first step.
    const dues = this.dues(plan, event.message.timeStamp);
    if (dues[0] > now) throw this.notDue(rule, 0, dues[0], now);
    const wait = await this.waitOf(event, delivery);
    if (!wait) return;
    const dedupKey = dedupKeyOf(wait);
    if (wait.answeredAt !== null) {
      // Answered before the step: resolved only if it had alerted (then the resolver may have missed it).
      await this.resolve(rule, event, wait, delivery.deliveryId);
      return;
    }
    let step = -1;
    while (step + 1 < dues.length && dues[step + 1] <= now) step += 1;
    if (step >= 0) {
      const { channels } = plan.steps[Math.min(step, plan.steps.length - 1)];
      const sent = await this.log.byDedupKeys(rule.name, [dedupKey]);
      const notice: AlertNotice = {
        kind: 'unanswered',
        dedupKey,
        conversation: wait.conversationKey,
        waitStartedAt: wait.startedAt,
        step,
        waitedMs: now - wait.startedAt,
      };
      for (const channel of channels) {
        const stepId = `${delivery.deliveryId}/${step}`;
        const done = sent.some(
          (row) => row.deliveryId === stepId && row.channel === channel.id && row.status === 'sent',
        );
        if (!done) await this.send(rule, channel, event, stepId, notice);
      }
      // An agent may have answered while the step went out, unseen by the resolver: look again.
      const after = await this.waitOf(event, delivery);
      if (after && after.answeredAt !== null) {
        await this.resolve(rule, event, after, delivery.deliveryId);
        return;
      }
    }
    const next = dues[step + 1];
    if (next !== undefined) throw this.notDue(rule, step + 1, next, now);
  }

  private notDue(rule: AlertRule, step: number, due: number, now: number): NotDueError {
    // The store's clock is the real one; the service's may stand elsewhere (tests).
    return new NotDueError(
      `step ${step} of ${rule.name} due at ${new Date(due).toISOString()}`,
      Date.now() + (due - now),
    );
  }

  /** An agent wrote: resolve the conversation's alerts whose wait it answers. */
  private async resolveAfter(
    rule: AlertRule,
    event: AnyDomainEvent,
    delivery: DeliveryContext,
  ): Promise<void> {
    const { message } = event;
    // Recorded first, so that a step sent from now on finds the wait answered when it looks again.
    if (!(await this.waits.isRecorded(message.key))) throw this.supportLags(message.key, delivery);
    const keys = (await this.log.dedupKeysOf(rule.name, message.conversationKey!)).filter(
      (key) => waitStartOf(key) <= message.timeStamp,
    );
    if (keys.length === 0) return;
    const rows = await this.log.byDedupKeys(rule.name, keys);
    for (const dedupKey of keys) {
      const own = rows.filter((row) => row.dedupKey === dedupKey);
      if (own.some((row) => row.status === 'sending' && row.event === CONVERSATION_UNANSWERED)) {
        // A step is going out right now: resolve once it has.
        throw new Error(`an alert of ${dedupKey} is being sent`);
      }
      await this.resolveRows(rule, event, own, {
        dedupKey,
        conversationKey: message.conversationKey!,
        startedAt: waitStartOf(dedupKey),
        answeredAt: message.timeStamp,
        deliveryId: delivery.deliveryId,
      });
    }
  }

  /** Resolves the alert of `wait`, if any step of it was sent. */
  private async resolve(
    rule: AlertRule,
    event: AnyDomainEvent,
    wait: CustomerWait,
    deliveryId: string,
  ): Promise<void> {
    const dedupKey = dedupKeyOf(wait);
    const rows = await this.log.byDedupKeys(rule.name, [dedupKey]);
    await this.resolveRows(rule, event, rows, {
      dedupKey,
      conversationKey: wait.conversationKey,
      startedAt: wait.startedAt,
      answeredAt: wait.answeredAt ?? this.clock.now().getTime(),
      deliveryId,
    });
  }

  /** "Resolved" through each channel that was alerted and can say so, once each. */
  private async resolveRows(
    rule: AlertRule,
    event: AnyDomainEvent,
    rows: readonly NotificationEntry[],
    alert: {
      dedupKey: string;
      conversationKey: string;
      startedAt: number;
      answeredAt: number;
      deliveryId: string;
    },
  ): Promise<void> {
    const sentTo = (name: string) =>
      new Set(rows.filter((r) => r.event === name && r.status === 'sent').map((r) => r.channel));
    const alerted = sentTo(CONVERSATION_UNANSWERED);
    const resolved = sentTo(CONVERSATION_RESOLVED);
    const notice: AlertNotice = {
      kind: 'resolved',
      dedupKey: alert.dedupKey,
      conversation: alert.conversationKey,
      waitStartedAt: alert.startedAt,
      step: null,
      waitedMs: alert.answeredAt - alert.startedAt,
    };
    for (const channel of this.channelsOf(rule)) {
      if (!alerted.has(channel.id) || resolved.has(channel.id)) continue;
      if (!ALERT_CHANNELS[channel.config.channel]?.resolves) continue;
      await this.send(rule, channel, event, `${alert.deliveryId}/resolved`, notice);
    }
  }

  /** One send, logged with the dedup key; a failure is rethrown for the delivery to retry. */
  private async send(
    rule: AlertRule,
    channel: RuleChannel,
    event: AnyDomainEvent,
    logDeliveryId: string,
    alert: AlertNotice,
  ): Promise<void> {
    const { message } = event;
    const eventName = alert.kind === 'resolved' ? CONVERSATION_RESOLVED : CONVERSATION_UNANSWERED;
    const id = await this.log.begin(
      {
        deliveryId: logDeliveryId,
        rule: rule.name,
        channel: channel.id,
        eventName,
        messageKey: message.key,
        throttleKey: alert.conversation,
        dedupKey: alert.dedupKey,
      },
      this.clock.now().getTime(),
      null,
    );
    const count = (outcome: string): void => {
      this.metrics.attempts.inc({ channel: channel.config.channel, outcome });
    };
    // Without a throttle, begin always answers an id.
    let remoteStatus: number | null;
    try {
      remoteStatus = await this.channels.get(channel.config.channel).send(channel.config, {
        rule: rule.name,
        event,
        // The far side's Idempotency-Key: one per step, and one for the resolution.
        deliveryId: `${alert.dedupKey}/${alert.kind === 'resolved' ? 'resolved' : alert.step}`,
        alert,
      });
    } catch (error) {
      const status = error instanceof PermanentDeliveryError ? 'rejected' : 'failed';
      count(status);
      await this.log.finish(id!, this.clock.now().getTime(), {
        status,
        error: describeFailure(error),
        remoteStatus: statusOf(error),
      });
      throw error;
    }
    count('sent');
    await this.log.finish(id!, this.clock.now().getTime(), { status: 'sent', remoteStatus });
  }

  /** When each step is due: the ladder, then the repeats of its last step, on the rule's clock. */
  private dues(plan: UnansweredPlan, startedAt: number): number[] {
    const offsets = plan.steps.map((step) => step.afterMs);
    const last = offsets.at(-1)!;
    const gap = offsets.length > 1 ? last - offsets.at(-2)! : last;
    for (let i = 1; i <= plan.repeat; i += 1) offsets.push(last + i * gap);
    return offsets.map((offset) => {
      if (plan.clock === 'wall') return startedAt + offset;
      const due = addBusinessMs(startedAt, offset, this.hours);
      if (due === null) throw new PermanentDeliveryError('the business hours never open again');
      return due;
    });
  }

  /** The open or answered wait the event's message started, or null when no alert belongs to it. */
  private async waitOf(
    event: AnyDomainEvent,
    delivery: DeliveryContext,
  ): Promise<CustomerWait | null> {
    const found = await this.waits.startedBy(event.message.key);
    if (found.status === 'unrecorded') throw this.supportLags(event.message.key, delivery);
    return found.status === 'wait' ? found.wait : null;
  }

  /**
   * Support records messages in batches, a moment after they come: the
   * first time, come back in a second; after that, on the retry schedule
   * (its listener may be failing).
   */
  private supportLags(messageKey: string, delivery: DeliveryContext): Error {
    const text = `support has not recorded ${messageKey} yet`;
    return delivery.attempt === 1 ? new RetryAfterError(text, Date.now() + 1000) : new Error(text);
  }

  private channelsOf(rule: AlertRule): RuleChannel[] {
    const seen = new Map<string, RuleChannel>();
    for (const step of rule.unanswered.steps) {
      for (const channel of step.channels) seen.set(channel.id, channel);
    }
    return [...seen.values()];
  }

  private roleOf({ message }: AnyDomainEvent): string | null {
    if (message.conversationKey === null) return null;
    return this.roles.classify(message.from, message.metadata).role;
  }

  /** No alerts on kommhook's own replies (they are a bot's anyway). */
  private isOwnReply({ message }: AnyDomainEvent): boolean {
    return (
      message.from === this.replyUser || Object.hasOwn(message.metadata, KOMMHOOK_REPLY_MARKER)
    );
  }
}
