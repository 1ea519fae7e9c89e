import { BusinessHours, businessMs } from '../../common/time/business-hours';
import type { SupportRole } from '../roles/role-classifier';

/** A message as support metrics see it: who (by role) wrote in which conversation, when. */
export interface SupportMessage {
  readonly key: string;
  readonly conversationKey: string;
  readonly sender: string;
  readonly role: SupportRole;
  /** Kommunicate's timeStamp (epoch ms): sessions follow it, not arrival. */
  readonly at: number;
}

/** A time between two messages, on the wall clock and on the business-hours clock. */
export interface Span {
  /** The message that ends it (a reply). */
  readonly messageKey: string;
  readonly at: number;
  readonly ms: number;
  readonly businessMs: number;
}

/** A customer's wait: from their first message nobody has answered to the answer, if any. */
export interface Wait {
  readonly conversationKey: string;
  readonly sessionStartedAt: number;
  readonly customerMessageKey: string;
  readonly startedAt: number;
  /** The agent's or bot's message that ended it; null while it is open. */
  readonly endedBy: 'agent' | 'bot' | null;
  readonly end: Span | null;
}

export interface Session {
  readonly conversationKey: string;
  readonly startedAt: number;
  /** Its last message. */
  readonly endedAt: number;
  readonly firstMessageKey: string;
  /** The role of its first message not written by a bot (a bot's greeting starts nothing); `bot` if all are. */
  readonly initiator: SupportRole;
  /** The first customer's id, and the agents who wrote, in order of their first message. */
  readonly customer: string | null;
  readonly agents: readonly string[];
  readonly messages: number;
  readonly customerMessages: number;
  readonly agentMessages: number;
  readonly botMessages: number;
  readonly firstCustomerAt: number | null;
  /** The first agent message after the first customer message, minus that message. */
  readonly firstResponse: Span | null;
  /** The same with bots counted: the first agent or bot message. */
  readonly firstResponseWithBots: Span | null;
  /** When a bot answered first and an agent later: the agent's reply minus the bot's last message before it. */
  readonly handoff: Span | null;
  /** The start of the customer's open wait at the session's end; null when nobody waits. */
  readonly waitingSince: number | null;
  readonly waits: readonly Wait[];
}

/** Sessions follow Kommunicate's clock; the key breaks ties so that every run orders alike. */
export const byTime = (a: SupportMessage, b: SupportMessage): number =>
  a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Splits a conversation's messages into sessions and measures each. A
 * message `gapMs` or more after the previous one (in timeStamp order)
 * starts a new session. Pure and deterministic: the same messages, in any
 * order and with any key repeated, give the same sessions.
 */
export function splitSessions(
  messages: readonly SupportMessage[],
  gapMs: number,
  hours: BusinessHours,
): Session[] {
  const unique = [...new Map(messages.map((message) => [message.key, message])).values()];
  unique.sort(byTime);
  const sessions: Session[] = [];
  let current: SupportMessage[] = [];
  for (const message of unique) {
    const previous = current.at(-1);
    if (previous && message.at - previous.at >= gapMs) {
      sessions.push(measure(current, hours));
      current = [];
    }
    current.push(message);
  }
  if (current.length > 0) sessions.push(measure(current, hours));
  return sessions;
}

/** A session's figures from its messages, in order. */
function measure(messages: readonly SupportMessage[], hours: BusinessHours): Session {
  const first = messages[0];
  const span = (from: number, to: SupportMessage): Span => ({
    messageKey: to.key,
    at: to.at,
    ms: to.at - from,
    businessMs: businessMs(from, to.at, hours),
  });
  const count = (role: SupportRole) => messages.filter((message) => message.role === role).length;
  const firstCustomer = messages.findIndex((message) => message.role === 'customer');
  const after = firstCustomer < 0 ? [] : messages.slice(firstCustomer + 1);
  const humanReply = after.find((message) => message.role === 'agent');
  const anyReply = after.find((message) => message.role !== 'customer');
  let handoff: Span | null = null;
  if (humanReply && anyReply?.role === 'bot') {
    const lastBot = after
      .slice(0, after.indexOf(humanReply))
      .filter((message) => message.role === 'bot')
      .at(-1)!;
    handoff = span(lastBot.at, humanReply);
  }

  const waits: Wait[] = [];
  let waitingFrom: SupportMessage | undefined;
  for (const message of messages) {
    if (message.role === 'customer') {
      waitingFrom ??= message;
    } else if (waitingFrom) {
      waits.push(wait(first, waitingFrom, message.role, span(waitingFrom.at, message)));
      waitingFrom = undefined;
    }
  }
  if (waitingFrom) waits.push(wait(first, waitingFrom, null, null));

  const customerAt = firstCustomer < 0 ? null : messages[firstCustomer].at;
  return {
    conversationKey: first.conversationKey,
    startedAt: first.at,
    endedAt: messages.at(-1)!.at,
    firstMessageKey: first.key,
    initiator: messages.find((message) => message.role !== 'bot')?.role ?? 'bot',
    customer: firstCustomer < 0 ? null : messages[firstCustomer].sender,
    agents: [
      ...new Set(
        messages.filter((message) => message.role === 'agent').map((message) => message.sender),
      ),
    ],
    messages: messages.length,
    customerMessages: count('customer'),
    agentMessages: count('agent'),
    botMessages: count('bot'),
    firstCustomerAt: customerAt,
    firstResponse: humanReply && customerAt !== null ? span(customerAt, humanReply) : null,
    firstResponseWithBots: anyReply && customerAt !== null ? span(customerAt, anyReply) : null,
    handoff,
    waitingSince: waitingFrom?.at ?? null,
    waits,
  };
}

function wait(
  first: SupportMessage,
  customer: SupportMessage,
  endedBy: Wait['endedBy'],
  end: Span | null,
): Wait {
  return {
    conversationKey: first.conversationKey,
    sessionStartedAt: first.at,
    customerMessageKey: customer.key,
    startedAt: customer.at,
    endedBy,
    end,
  };
}
