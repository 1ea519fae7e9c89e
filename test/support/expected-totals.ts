/**
 * The test oracle for the simulator's traffic: what the service should hold
 * once it has taken a run's requests, worked out from the plan alone. Only
 * tests need it (the simulator judges each answer, not the totals), so it lives
 * here rather than in scripts/. It re-derives what it needs (the conversation
 * key, the orders) instead of importing src/, so it can catch src/ being wrong.
 */
import type { KommunicatePayload, TrafficItem } from '../../scripts/traffic';

export interface ExpectedTotals {
  /** Requests, redeliveries included. */
  requests: number;
  /** Distinct keys: what the store keeps and analytics counts. */
  messages: number;
  redeliveries: number;
  systemMessages: number;
  attachments: number;
  attachmentBytes: number;
  offlineMessages: number;
  /** Distinct conversations (`group:<groupId>` as the service keys them). */
  activeConversations: number;
  /** On an empty store every conversation is started by this traffic. */
  conversationsStarted: number;
  senders: number;
  /** Ordered as the summary orders them: most attachments first, then by type. */
  attachmentsByContentType: { contentType: string; attachments: number; bytes: number }[];
  topConversations: { conversationKey: string; messages: number }[];
  topSenders: { sender: string; messages: number }[];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function integer(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** The conversation key the service derives (group id, else client group id). */
export function conversationKeyOf(payload: KommunicatePayload): string {
  const groupId = integer(payload.groupId);
  return groupId !== undefined ? `group:${groupId}` : `client-group:${payload.clientGroupId}`;
}

/** Most messages first, then by name (as SQL orders text). */
function top(counts: Map<string, number>, limit: number): [string, number][] {
  return [...counts].sort(([a, x], [b, y]) => y - x || compareText(a, b)).slice(0, limit);
}

/**
 * What `GET /api/analytics/summary` should show once the service has taken
 * these requests on an empty store: each key counted once, whatever its copies.
 */
export function expectedTotals(items: readonly TrafficItem[], topLimit = 10): ExpectedTotals {
  const seen = new Set<string>();
  const conversations = new Map<string, number>();
  const senders = new Map<string, number>();
  const byType = new Map<string, { attachments: number; bytes: number }>();
  const totals = {
    systemMessages: 0,
    attachments: 0,
    attachmentBytes: 0,
    offlineMessages: 0,
  };
  for (const { payload, kind } of items) {
    if (seen.has(payload.key)) continue;
    seen.add(payload.key);
    if (kind === 'system') totals.systemMessages += 1;
    const receiverConnected = payload.receiverConnected as unknown;
    if (receiverConnected === false || receiverConnected === 'false') totals.offlineMessages += 1;
    if (payload.file) {
      const bytes = payload.file.size ?? 0;
      totals.attachments += 1;
      totals.attachmentBytes += bytes;
      const type = byType.get(payload.file.contentType) ?? { attachments: 0, bytes: 0 };
      type.attachments += 1;
      type.bytes += bytes;
      byType.set(payload.file.contentType, type);
    }
    const conversation = conversationKeyOf(payload);
    conversations.set(conversation, (conversations.get(conversation) ?? 0) + 1);
    senders.set(payload.from, (senders.get(payload.from) ?? 0) + 1);
  }
  return {
    requests: items.length,
    messages: seen.size,
    redeliveries: items.length - seen.size,
    ...totals,
    activeConversations: conversations.size,
    conversationsStarted: conversations.size,
    senders: senders.size,
    attachmentsByContentType: [...byType]
      .map(([contentType, type]) => ({ contentType, ...type }))
      .sort((a, b) => b.attachments - a.attachments || compareText(a.contentType, b.contentType)),
    topConversations: top(conversations, topLimit).map(([conversationKey, messages]) => ({
      conversationKey,
      messages,
    })),
    topSenders: top(senders, topLimit).map(([sender, messages]) => ({ sender, messages })),
  };
}
