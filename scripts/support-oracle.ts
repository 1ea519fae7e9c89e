/**
 * The support figures a run's traffic should produce, worked out from the
 * payloads alone (wall clock only): what the simulator prints as "expected"
 * and what tests hold the server's /api/support figures to. Pure: the same
 * payloads in any order, with any key repeated, give the same figures.
 *
 * Definitions (the server's must match them):
 * - Roles: `agent-*` senders are agents, `bot-*` bots, everyone else a
 *   customer (SUPPORT_AGENTS=agent-* SUPPORT_BOTS=bot-*); `roleOf` overrides.
 * - Sessions: a conversation's messages ordered by timeStamp (ties by key),
 *   each key once; a message `sessionGapMs` (24 h) or more after the previous
 *   one starts a new session.
 * - Initiator: the role of a session's first message not written by a bot
 *   (`bot` when a bot wrote them all).
 * - First response: the first agent message after the session's first
 *   customer message, minus that message (whoever started the session). With
 *   bots: the first agent or bot message instead.
 * - Hand-off: where a bot answered first and an agent later, that agent
 *   message minus the bot's last message before it.
 * - Reply time: a customer's wait starts at the first customer message after
 *   the last agent or bot message; an agent message ends it and counts (the
 *   first response included), a bot message ends it without counting.
 * - Unanswered: a session with a customer message and no agent message after
 *   its first one. Waiting: a session whose last customer wait is still open.
 * - Percentiles: linear interpolation between the closest ranks (numpy's
 *   default): p of n sorted values is at rank (n - 1) * p, so the median of
 *   1, 2, 3, 4 is 2.5. Figures are whole milliseconds (Math.round).
 * - Buckets: each holds times from its lower bound (inclusive) to the next.
 */
import type { KommunicatePayload } from './traffic';

export type SupportRole = 'agent' | 'bot' | 'customer';

/** What the oracle reads of a message. */
export type SupportPayload = Pick<
  KommunicatePayload,
  'key' | 'from' | 'groupId' | 'clientGroupId' | 'timeStamp'
>;

export interface SupportOracleOptions {
  /** A message this long or longer after the previous one of its conversation starts a session. */
  sessionGapMs?: number;
  /** Who wrote it; default: agent-* agents, bot-* bots, else a customer. */
  roleOf?: (from: string) => SupportRole;
}

export interface TimeFigures {
  count: number;
  /** Whole milliseconds; null without samples. */
  medianMs: number | null;
  p90Ms: number | null;
  meanMs: number | null;
  buckets: { label: string; count: number }[];
}

export interface ExpectedSupportMetrics {
  /** Distinct keys. */
  messages: number;
  conversations: number;
  sessions: number;
  /** Sessions by initiator. */
  conversationsStarted: { total: number; customer: number; agent: number; bot: number };
  firstResponse: TimeFigures;
  firstResponseWithBots: TimeFigures;
  handoff: TimeFigures;
  replyTime: TimeFigures;
  unansweredSessions: number;
  waitingSessions: number;
}

export const DEFAULT_SESSION_GAP_MS = 24 * 3_600_000;

const MINUTE = 60_000;
const HOUR = 3_600_000;

export const TIME_BUCKETS = [
  { label: '0-1m', from: 0 },
  { label: '1-5m', from: MINUTE },
  { label: '5-15m', from: 5 * MINUTE },
  { label: '15-60m', from: 15 * MINUTE },
  { label: '1-4h', from: HOUR },
  { label: '4-24h', from: 4 * HOUR },
  { label: '24h+', from: 24 * HOUR },
] as const;

export const defaultRoleOf = (from: string): SupportRole =>
  from.startsWith('agent-') ? 'agent' : from.startsWith('bot-') ? 'bot' : 'customer';

/** The p-th percentile (0-1) of sorted values, linearly interpolated between the closest ranks. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
}

export function timeFigures(samples: readonly number[]): TimeFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value: number | null): number | null =>
    value === null ? null : Math.round(value);
  const buckets = TIME_BUCKETS.map((bucket) => ({ label: bucket.label, count: 0 }));
  for (const sample of sorted) {
    let index = TIME_BUCKETS.length - 1;
    while (index > 0 && sample < TIME_BUCKETS[index].from) index -= 1;
    buckets[index].count += 1;
  }
  return {
    count: sorted.length,
    medianMs: round(percentile(sorted, 0.5)),
    p90Ms: round(percentile(sorted, 0.9)),
    meanMs:
      sorted.length === 0 ? null : round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length),
    buckets,
  };
}

/** The conversation key the service derives (group id, else client group id). */
function conversationKeyOf(payload: SupportPayload): string {
  const { groupId } = payload as { groupId: unknown };
  if (typeof groupId === 'number' && Number.isInteger(groupId)) return `group:${groupId}`;
  if (typeof groupId === 'string' && /^-?\d{1,16}$/.test(groupId.trim())) {
    return `group:${Number(groupId.trim())}`;
  }
  return `client-group:${payload.clientGroupId}`;
}

interface Message {
  key: string;
  at: number;
  role: SupportRole;
}

const byTime = (a: Message, b: Message): number =>
  a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The expected support figures of these messages (payloads, or traffic items
 * holding them), each key counted once.
 */
export function expectedSupportMetrics(
  items: readonly (SupportPayload | { payload: SupportPayload })[],
  options: SupportOracleOptions = {},
): ExpectedSupportMetrics {
  const gapMs = options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS;
  const roleOf = options.roleOf ?? defaultRoleOf;

  const conversations = new Map<string, Map<string, Message>>();
  const seen = new Set<string>();
  for (const item of items) {
    const payload = 'payload' in item ? item.payload : item;
    if (seen.has(payload.key)) continue;
    seen.add(payload.key);
    const conversation = conversationKeyOf(payload);
    const messages = conversations.get(conversation) ?? new Map<string, Message>();
    messages.set(payload.key, {
      key: payload.key,
      at: payload.timeStamp,
      role: roleOf(payload.from),
    });
    conversations.set(conversation, messages);
  }

  const sessions: Message[][] = [];
  for (const messages of conversations.values()) {
    const ordered = [...messages.values()].sort(byTime);
    let current: Message[] = [];
    for (const message of ordered) {
      const previous = current[current.length - 1];
      if (previous && message.at - previous.at >= gapMs) {
        sessions.push(current);
        current = [];
      }
      current.push(message);
    }
    sessions.push(current);
  }

  const started = { total: sessions.length, customer: 0, agent: 0, bot: 0 };
  const samples = {
    firstResponse: [] as number[],
    firstResponseWithBots: [] as number[],
    handoff: [] as number[],
    replyTime: [] as number[],
  };
  let unansweredSessions = 0;
  let waitingSessions = 0;

  for (const session of sessions) {
    started[session.find((message) => message.role !== 'bot')?.role ?? 'bot'] += 1;

    const firstCustomer = session.findIndex((message) => message.role === 'customer');
    if (firstCustomer >= 0) {
      const customerAt = session[firstCustomer].at;
      const after = session.slice(firstCustomer + 1);
      const human = after.findIndex((message) => message.role === 'agent');
      const any = after.findIndex((message) => message.role !== 'customer');
      if (human >= 0) samples.firstResponse.push(after[human].at - customerAt);
      else unansweredSessions += 1;
      if (any >= 0) samples.firstResponseWithBots.push(after[any].at - customerAt);
      if (human >= 0 && after[any].role === 'bot') {
        const lastBot = after
          .slice(0, human)
          .filter((message) => message.role === 'bot')
          .pop() as Message;
        samples.handoff.push(after[human].at - lastBot.at);
      }
    }

    let waitingFrom: number | null = null;
    for (const message of session) {
      if (message.role === 'customer') waitingFrom ??= message.at;
      else if (waitingFrom !== null) {
        if (message.role === 'agent') samples.replyTime.push(message.at - waitingFrom);
        waitingFrom = null;
      }
    }
    if (waitingFrom !== null) waitingSessions += 1;
  }

  return {
    messages: seen.size,
    conversations: conversations.size,
    sessions: sessions.length,
    conversationsStarted: started,
    firstResponse: timeFigures(samples.firstResponse),
    firstResponseWithBots: timeFigures(samples.firstResponseWithBots),
    handoff: timeFigures(samples.handoff),
    replyTime: timeFigures(samples.replyTime),
    unansweredSessions,
    waitingSessions,
  };
}
