import type { SupportRole } from './roles/role-classifier';
import type { SupportMessage } from './sessions/support-sessions';

export interface TimeRange {
  /** Inclusive, epoch ms; undefined = from the beginning. */
  readonly since?: number;
  /** Exclusive, epoch ms; undefined = no end. */
  readonly until?: number;
}

/** A message to record, with how its sender was classified. */
export interface ClassifiedMessage extends SupportMessage {
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A first response or reply time computed for the first time (for Prometheus). */
export interface FreshResponse {
  readonly kind: 'first-response' | 'reply';
  readonly ms: number;
  readonly businessMs: number;
}

/** What the reports read of a session. */
export interface SessionRow {
  readonly initiator: SupportRole;
  readonly messages: number;
  readonly firstResponseMs: number | null;
  readonly firstResponseBusinessMs: number | null;
  readonly firstResponseWithBotsMs: number | null;
  readonly firstResponseWithBotsBusinessMs: number | null;
  readonly handoffMs: number | null;
  readonly handoffBusinessMs: number | null;
  readonly waitingSince: number | null;
}

export interface WaitRow {
  readonly conversationKey: string;
  readonly sessionStartedAt: number;
  readonly customerMessageKey: string;
  readonly startedAt: number;
  /** Null while nobody answered. */
  readonly endedAt: number | null;
  readonly replyMessageKey: string | null;
  readonly waitMs: number | null;
  readonly businessWaitMs: number | null;
}

/** Where a sessions export stands: sessions are read by start, then conversation key. */
export interface SessionPosition {
  readonly startedAt: number;
  readonly conversationKey: string;
}

/** A session as the export writes it: its row and what the agents' replies in it add up to. */
export interface ExportedSession {
  readonly conversationKey: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly initiator: SupportRole;
  readonly customer: string | null;
  readonly agents: readonly string[];
  readonly messages: number;
  readonly customerMessages: number;
  readonly agentMessages: number;
  readonly botMessages: number;
  readonly firstResponseMs: number | null;
  readonly firstResponseBusinessMs: number | null;
  /** Waits an agent ended (reply times). */
  readonly replies: number;
  /** Their mean, rounded to the millisecond; null without replies. */
  readonly meanReplyMs: number | null;
  readonly meanReplyBusinessMs: number | null;
  /** The longest of them, on each clock. */
  readonly longestWaitMs: number | null;
  readonly longestWaitBusinessMs: number | null;
  readonly waitingSince: number | null;
}

export interface SenderRow {
  readonly sender: string;
  readonly role: SupportRole;
  readonly reason: string;
  readonly metadata: Record<string, string>;
  readonly lastAt: number;
}

/** The support tables: written by the listener, read by the routes. */
export abstract class SupportStore {
  /**
   * Records the messages (a key again changes nothing but its role, if the
   * settings changed) and recomputes the sessions of every conversation
   * they touch. Resolves, once committed, to the response times computed
   * for the first time.
   */
  abstract record(messages: readonly ClassifiedMessage[]): Promise<FreshResponse[]>;

  /** The sessions that started in the range. */
  abstract sessions(range: TimeRange): Promise<SessionRow[]>;

  /**
   * Up to `limit` sessions that started in the range, after `after` in
   * (start, conversation key) order: one keyset page of the export.
   */
  abstract sessionsAfter(
    range: TimeRange,
    after: SessionPosition | undefined,
    limit: number,
  ): Promise<ExportedSession[]>;

  /** Agent replies in the range: their reply times, wall clock and business. */
  abstract replyTimes(range: TimeRange): Promise<{ ms: number; businessMs: number }[]>;

  /** Messages in the range (by their timeStamp), counted per role. */
  abstract messagesByRole(range: TimeRange): Promise<{ role: SupportRole; messages: number }[]>;

  /** Customer messages per `slotMs`-long slot (epoch-aligned) in the range. */
  abstract customerMessageSlots(
    range: TimeRange,
    slotMs: number,
  ): Promise<{ slot: number; messages: number }[]>;

  /** Waits that started in the range: the longest answered by an agent, and the oldest still open. */
  abstract longestWaits(
    range: TimeRange,
    limit: number,
  ): Promise<{ answered: WaitRow[]; open: WaitRow[] }>;

  /** The senders with the latest messages, newest first. */
  abstract recentSenders(limit: number): Promise<SenderRow[]>;
}
