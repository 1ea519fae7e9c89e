import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../../common/clock/clock';
import { describeFailure } from '../../common/errors/describe-failure';
import type { AllConfig } from '../../config/all-config';
import { PermanentDeliveryError } from '../../delivery';
import { SupportReports } from '../../support';
import { NotificationSender } from '../notification-sender';
import { NotificationRules } from '../rule-listeners';
import { DigestClaims, type DigestClaim } from './digest-claims';
import { digestFigures, renderDigest } from './digest-report';
import type { CompiledDigest } from './digest-rule';
import {
  latestDuePeriod,
  periodEndingAt,
  type DigestPeriod,
  type DigestSchedule,
} from './digest-schedule';

/** How often the scheduler looks: a digest goes out within this of its time. */
export const DIGEST_TICK_MS = 60_000;
/** How long a taken digest is held: longer than any send may take, then another instance may retry. */
const LEASE_MS = 10 * 60_000;

/**
 * Sends the digest rules on their schedules. At start and every minute it
 * records the most recent due period of each (rule, channel) in
 * `notification_digests` and sends the periods it manages to take (see
 * DigestClaims): one mail per period across restarts and instances. A failed
 * send is retried on later ticks after RETRY_SCHEDULE's delays, then given up.
 */
@Injectable()
export class DigestScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DigestScheduler.name);
  private readonly defaultTimeZone: string;
  private readonly retryScheduleMs: readonly number[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly rules: NotificationRules,
    private readonly claims: DigestClaims,
    private readonly reports: SupportReports,
    private readonly sender: NotificationSender,
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    this.defaultTimeZone = config.get('support', { infer: true }).timeZone;
    this.retryScheduleMs = config.get('delivery', { infer: true }).retryScheduleMs;
  }

  onApplicationBootstrap(): void {
    if (this.rules.digests.length === 0) return;
    this.timer = setInterval(() => void this.tick(), DIGEST_TICK_MS);
    this.timer.unref();
    // Not awaited: a slow mail server must not hold the start; shutdown waits for it.
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One look at every digest rule; a call while one runs joins it. Never throws. */
  tick(): Promise<void> {
    this.running ??= this.sendDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sendDue(): Promise<void> {
    for (const digest of this.rules.digests) {
      const schedule = {
        ...digest.schedule,
        timeZone: digest.schedule.timeZone ?? this.defaultTimeZone,
      };
      for (const channel of digest.channels) {
        try {
          await this.sendChannel(digest, schedule, channel);
        } catch (error) {
          // The store failed: the next tick tries again.
          this.logger.error(
            { rule: digest.name, channel: channel.id, error: describeFailure(error) },
            'digest: could not look at due periods',
          );
        }
      }
    }
  }

  private async sendChannel(
    digest: CompiledDigest,
    schedule: DigestSchedule,
    channel: CompiledDigest['channels'][number],
  ): Promise<void> {
    const now = this.clock.now().getTime();
    const due = latestDuePeriod(schedule, now);
    await this.claims.open(
      { rule: digest.name, channel: channel.id, periodStart: due.start, periodEnd: due.end },
      now,
    );
    for (const ready of await this.claims.ready(digest.name, channel.id, now)) {
      const taken = await this.claims.take(ready, now, LEASE_MS);
      if (!taken) continue;
      const period = periodEndingAt(schedule, taken.periodEnd);
      if (period.start !== taken.periodStart) {
        await this.claims.finish(taken, now, {
          status: 'dead',
          error: "the rule's schedule changed since this period was due",
        });
        continue;
      }
      await this.send(digest, schedule, channel, period, taken);
    }
  }

  private async send(
    digest: CompiledDigest,
    schedule: DigestSchedule,
    channel: CompiledDigest['channels'][number],
    period: DigestPeriod,
    taken: DigestClaim,
  ): Promise<void> {
    try {
      const figures = await digestFigures(this.reports, period);
      const mail = renderDigest(
        { rule: digest.name, every: schedule.every, timeZone: schedule.timeZone, period },
        figures,
        channel.config.subject,
      );
      await this.sender.sendDigest(digest.name, channel, {
        id: `digest-${digest.name}-${channel.id}-${period.firstDay}`,
        event: `digest.${schedule.every}`,
        key:
          period.firstDay === period.lastDay
            ? period.firstDay
            : `${period.firstDay}/${period.lastDay}`,
        mail,
      });
    } catch (error) {
      const now = this.clock.now().getTime();
      const delay = this.retryScheduleMs[taken.attempts - 1];
      const reason = describeFailure(error);
      this.logger.warn(
        { rule: digest.name, channel: channel.id, attempt: taken.attempts, error: reason },
        'digest: sending failed',
      );
      await this.claims.finish(
        taken,
        now,
        error instanceof PermanentDeliveryError || delay === undefined
          ? { status: 'dead', error: reason }
          : { status: 'failed', error: reason, retryAt: now + delay },
      );
      return;
    }
    await this.claims.finish(taken, this.clock.now().getTime(), { status: 'sent' });
  }
}
