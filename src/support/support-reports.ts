import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/clock/clock';
import { BusinessHours, businessMs, localTime } from '../common/time/business-hours';
import type { AllConfig } from '../config/all-config';
import type { SupportRole } from './roles/role-classifier';
import { SupportRoles } from './roles/support-roles';
import {
  Distribution,
  distributionOf,
  Figures,
  figuresOf,
  percentile,
} from './sessions/distribution';
import { SessionRow, SupportStore, TimeRange, WaitRow } from './support-store';

/** A time on both clocks. */
export interface OnBothClocks<T> {
  wall: T;
  business: T;
}

export interface SupportSummary {
  sessions: {
    started: number;
    customerInitiated: number;
    agentInitiated: number;
    botInitiated: number;
    /** Sessions with an agent's reply after the first customer message. */
    answered: number;
    /** Sessions that ended with a customer waiting: no agent or bot wrote after them. */
    unanswered: number;
  };
  firstResponse: OnBothClocks<Figures>;
  firstResponseWithBots: OnBothClocks<Figures>;
  handoff: OnBothClocks<Figures>;
  reply: OnBothClocks<Figures>;
  messagesPerSession: { mean: number | null; median: number | null };
}

export interface ResponseTimes {
  firstResponse: OnBothClocks<Distribution>;
  firstResponseWithBots: OnBothClocks<Distribution>;
  handoff: OnBothClocks<Distribution>;
  reply: OnBothClocks<Distribution>;
}

export interface Heatmap {
  /** Monday first. */
  days: string[];
  /** cells[day][hour]: customer messages. */
  cells: number[][];
  total: number;
}

export interface WaitItem {
  conversationKey: string;
  sessionStartedAt: string;
  customerMessageKey: string;
  waitStartedAt: string;
  /** The agent's reply; null while the customer is still waiting. */
  answeredAt: string | null;
  replyMessageKey: string | null;
  answered: boolean;
  /** Until the reply, or until now while open. */
  waitMs: number;
  businessWaitMs: number;
  /** The conversation's messages in the admin API. */
  link: string;
}

/** Messages in a range, by the role of their sender. */
export interface MessageVolume {
  messages: number;
  customer: number;
  agent: number;
  bot: number;
}

export interface RolePreview {
  sender: string;
  /** As the current settings classify the sender's latest message. */
  role: SupportRole;
  reason: string;
  /** As it was classified when recorded (what the stored figures use). */
  recordedRole: SupportRole;
  recordedReason: string;
  lastMessageAt: string;
}

/** Customer messages are counted in slots this long: every zone's offset is a multiple of it. */
const SLOT_MS = 15 * 60_000;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const iso = (ms: number): string => new Date(ms).toISOString();
const present = (values: readonly (number | null)[]): number[] =>
  values.filter((value): value is number => value !== null);

/** The figures the support routes answer, from the sessions and waits the listener keeps. */
@Injectable()
export class SupportReports {
  private readonly hours: BusinessHours;

  constructor(
    private readonly store: SupportStore,
    private readonly roles: SupportRoles,
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    this.hours = config.get('support', { infer: true }).businessHours;
  }

  async summary(range: TimeRange): Promise<SupportSummary> {
    const sessions = await this.store.sessions(range);
    const replies = await this.store.replyTimes(range);
    const initiated = (role: SupportRole) => sessions.filter((s) => s.initiator === role).length;
    const both = (wall: keyof SessionRow, business: keyof SessionRow) => ({
      wall: figuresOf(present(sessions.map((s) => s[wall] as number | null))),
      business: figuresOf(present(sessions.map((s) => s[business] as number | null))),
    });
    const counts = sessions.map((s) => s.messages).sort((a, b) => a - b);
    const mean = counts.length === 0 ? null : counts.reduce((a, b) => a + b, 0) / counts.length;
    return {
      sessions: {
        started: sessions.length,
        customerInitiated: initiated('customer'),
        agentInitiated: initiated('agent'),
        botInitiated: initiated('bot'),
        answered: sessions.filter((s) => s.firstResponseMs !== null).length,
        unanswered: sessions.filter((s) => s.waitingSince !== null).length,
      },
      firstResponse: both('firstResponseMs', 'firstResponseBusinessMs'),
      firstResponseWithBots: both('firstResponseWithBotsMs', 'firstResponseWithBotsBusinessMs'),
      handoff: both('handoffMs', 'handoffBusinessMs'),
      reply: {
        wall: figuresOf(replies.map((r) => r.ms)),
        business: figuresOf(replies.map((r) => r.businessMs)),
      },
      messagesPerSession: {
        mean: mean === null ? null : Math.round(mean * 100) / 100,
        median: percentile(counts, 0.5),
      },
    };
  }

  async responseTimes(range: TimeRange): Promise<ResponseTimes> {
    const sessions = await this.store.sessions(range);
    const replies = await this.store.replyTimes(range);
    const both = (wall: keyof SessionRow, business: keyof SessionRow) => ({
      wall: distributionOf(present(sessions.map((s) => s[wall] as number | null))),
      business: distributionOf(present(sessions.map((s) => s[business] as number | null))),
    });
    return {
      firstResponse: both('firstResponseMs', 'firstResponseBusinessMs'),
      firstResponseWithBots: both('firstResponseWithBotsMs', 'firstResponseWithBotsBusinessMs'),
      handoff: both('handoffMs', 'handoffBusinessMs'),
      reply: {
        wall: distributionOf(replies.map((r) => r.ms)),
        business: distributionOf(replies.map((r) => r.businessMs)),
      },
    };
  }

  async heatmap(range: TimeRange, timeZone: string): Promise<Heatmap> {
    const cells = DAYS.map(() => new Array<number>(24).fill(0));
    let total = 0;
    for (const { slot, messages } of await this.store.customerMessageSlots(range, SLOT_MS)) {
      const local = localTime(slot, timeZone);
      cells[(local.weekday + 6) % 7][local.hour] += messages;
      total += messages;
    }
    return { days: DAYS, cells, total };
  }

  /** The longest waits that started in the range, answered or still open (measured to now). */
  async waits(range: TimeRange, limit: number): Promise<WaitItem[]> {
    const now = this.clock.now().getTime();
    const { answered, open } = await this.store.longestWaits(range, limit);
    const item = (wait: WaitRow): WaitItem => this.waitItem(wait, now);
    return [...answered.map(item), ...open.map(item)]
      .sort(
        (a, b) =>
          b.waitMs - a.waitMs ||
          (a.customerMessageKey < b.customerMessageKey
            ? -1
            : a.customerMessageKey > b.customerMessageKey
              ? 1
              : 0),
      )
      .slice(0, limit);
  }

  async volume(range: TimeRange): Promise<MessageVolume> {
    const volume: MessageVolume = { messages: 0, customer: 0, agent: 0, bot: 0 };
    for (const { role, messages } of await this.store.messagesByRole(range)) {
      volume[role] += messages;
      volume.messages += messages;
    }
    return volume;
  }

  /** The waits that started in the range and nobody has answered yet, oldest first. */
  async unanswered(range: TimeRange, limit: number): Promise<WaitItem[]> {
    const now = this.clock.now().getTime();
    const { open } = await this.store.longestWaits(range, limit);
    return open.map((wait) => this.waitItem(wait, now));
  }

  private waitItem(wait: WaitRow, now: number): WaitItem {
    const end = wait.endedAt ?? Math.max(now, wait.startedAt);
    return {
      conversationKey: wait.conversationKey,
      sessionStartedAt: iso(wait.sessionStartedAt),
      customerMessageKey: wait.customerMessageKey,
      waitStartedAt: iso(wait.startedAt),
      answeredAt: wait.endedAt === null ? null : iso(wait.endedAt),
      replyMessageKey: wait.replyMessageKey,
      answered: wait.endedAt !== null,
      waitMs: wait.waitMs ?? end - wait.startedAt,
      businessWaitMs: wait.businessWaitMs ?? businessMs(wait.startedAt, end, this.hours),
      link: `/api/messages?conversation=${encodeURIComponent(wait.conversationKey)}`,
    };
  }

  async rolesPreview(limit: number): Promise<RolePreview[]> {
    const senders = await this.store.recentSenders(limit);
    return senders.map((sender) => {
      const now = this.roles.classify(sender.sender, sender.metadata);
      return {
        sender: sender.sender,
        role: now.role,
        reason: now.reason,
        recordedRole: sender.role,
        recordedReason: sender.reason,
        lastMessageAt: iso(sender.lastAt),
      };
    });
  }
}
