/**
 * Deterministic Kommunicate webhook traffic: the same options (seed, start
 * time, spread) always give the same payloads in the same order, so tests can
 * assert exact analytics figures (test/support/expected-totals.ts).
 *
 * The mix: conversations are Kommunicate groups, each with one visitor, an
 * assigned agent and sometimes the bot; about 20% of messages find their
 * receiver offline, 8% carry a file, 3% are system messages and 5% of the
 * requests are redeliveries of an earlier message (same payload, same key).
 *
 * Support mode (`agents` or `bots` > 0) makes each conversation a support
 * exchange instead: customers write, bots answer within seconds, agents after
 * realistic delays, some sessions stay unanswered, some are agent-initiated.
 * There the time stamps are the simulated conversation times (over the days
 * before `startTime`), so that response times can be measured and checked
 * against scripts/support-oracle.ts; the runner sends them unchanged.
 */

export interface KommunicateFile {
  name: string;
  url: string;
  contentType: string;
  size: number;
  thumbnailUrl?: string;
}

/** A message webhook body as Kommunicate posts it (plus the odd lenient type it is known to send). */
export interface KommunicatePayload {
  key: string;
  from: string;
  groupId: number | string;
  clientGroupId: string;
  groupName: string;
  message: string;
  timeStamp: number;
  receiverConnected: boolean;
  receiverLastSeenAtTime: number;
  file?: KommunicateFile;
  metadata?: Record<string, unknown>;
}

export type TrafficKind = 'text' | 'attachment' | 'system';

export interface TrafficItem {
  payload: KommunicatePayload;
  /** A copy of an earlier item's payload: the service should answer `duplicate`. */
  redelivery: boolean;
  kind: TrafficKind;
  /** When it is due, in ms after `startTime` (its position spread over `spreadMs`). */
  sendOffsetMs: number;
}

export interface TrafficOptions {
  /** Requests to produce, redeliveries included. */
  messages: number;
  /** Conversations to spread them over (at most one per distinct message). */
  conversations: number;
  seed?: number | string;
  /** Epoch ms the first request is due at; `Date.now()` when left out. */
  startTime?: number;
  /** How long the whole run is meant to take: due times go from startTime to startTime + spreadMs. */
  spreadMs?: number;
  /** Support mode when this or `bots` is above 0: human agents `agent-1`..`agent-<agents>`. */
  agents?: number;
  /** Support mode: bots `bot-1`..`bot-<bots>` that answer some customers first. */
  bots?: number;
  /** Support mode: how far back before `startTime` the conversations go (default 7 days). */
  historyMs?: number;
}

export const DEFAULT_HISTORY_MS = 7 * 86_400_000;

/** Support mode: agents or bots asked for. Otherwise the traffic is what it always was. */
export function isSupportTraffic(options: Pick<TrafficOptions, 'agents' | 'bots'>): boolean {
  return (options.agents ?? 0) > 0 || (options.bots ?? 0) > 0;
}

export const DEFAULT_SEED = 1;

export const SHARES = {
  offline: 0.2,
  attachment: 0.08,
  system: 0.03,
  redelivery: 0.05,
} as const;

// ---------------------------------------------------------------- randomness

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for traffic shapes. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A numeric seed as itself, anything else through FNV-1a. */
export function seedNumber(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  if (/^\d+$/.test(seed)) return Number(seed) >>> 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i += 1) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number | string) {
    this.next = mulberry32(seedNumber(seed));
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  weighted<T extends { weight: number }>(values: readonly T[]): T {
    const total = values.reduce((sum, value) => sum + value.weight, 0);
    let at = this.next() * total;
    for (const value of values) {
      at -= value.weight;
      if (at < 0) return value;
    }
    return values[values.length - 1];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with this median; sigma is the spread of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Log-uniform in [min, max]: most values small, a long tail of big ones. */
  logUniform(min: number, max: number): number {
    return Math.round(Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min))));
  }

  hex(digits: number): string {
    let text = '';
    for (let i = 0; i < digits; i += 1) text += Math.floor(this.next() * 16).toString(16);
    return text;
  }

  /** A version-4-shaped UUID. */
  uuid(): string {
    const variant = (8 + Math.floor(this.next() * 4)).toString(16);
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
}

// ---------------------------------------------------------------- the cast

const AGENTS = [
  { id: 'agent-1', name: 'Anna' },
  { id: 'agent-2', name: 'Ravi' },
  { id: 'agent-3', name: 'Sejal' },
  { id: 'agent-4', name: 'Tom' },
  { id: 'agent-5', name: 'Maria' },
] as const;
const BOT = { id: 'bot', name: 'Support Bot' } as const;

// prettier-ignore
const VISITOR_NAMES = [
  'Alice', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas',
  'Kavya', 'Lars', 'Mei', 'Noah', 'Olga', 'Pedro', 'Quinn', 'Rosa', 'Sami', 'Tereza',
];

const LOCALES = [
  { locale: 'en', timeZone: 'Europe/London' },
  { locale: 'en', timeZone: 'America/New_York' },
  { locale: 'de', timeZone: 'Europe/Berlin' },
  { locale: 'fr', timeZone: 'Europe/Paris' },
  { locale: 'hi', timeZone: 'Asia/Kolkata' },
  { locale: 'pt', timeZone: 'America/Sao_Paulo' },
] as const;

const CATEGORIES = ['billing', 'sales', 'support', 'technical'] as const;
const TOPICS = ['Order question', 'Billing', 'Refund request', 'Login problem', 'Pricing'];
const PAGES = ['/pricing', '/checkout', '/account/orders', '/help', '/'];

const VISITOR_TEXTS = [
  'Hi, I need some help with my order #{n}',
  'Where is my order #{n}? It was due yesterday.',
  'Can I get a refund for order #{n}?',
  'I want to cancel my subscription',
  'The payment page keeps failing with my card',
  'How do I change the e-mail address on my account?',
  'Is there a discount for annual plans?',
  'I cannot log in, the reset link has expired',
  'Thanks, that worked!',
  'ok',
  'Hello?',
  'Could you send me the invoice again?',
  'What are your opening hours?',
  'Do you ship to {city}?',
  'It says "error 502" when I upload the file',
];
const AGENT_TEXTS = [
  'Hi {name}, thanks for reaching out! Let me check that for you.',
  'I can see order #{n} here, it left our warehouse this morning.',
  'I have issued the refund, it should reach you in 3-5 business days.',
  'Could you send me a screenshot of the error?',
  'Your subscription is cancelled; you keep access until the end of the period.',
  'Is there anything else I can help you with?',
  'I have reset it on our side, please try again now.',
  'Sorry for the wait, we are a bit busy today.',
];
const BOT_TEXTS = [
  "Hi {name}! I'm the support assistant. What can I help you with?",
  'You can track your order at https://shop.example.com/orders',
  'Let me connect you with one of our agents.',
  'Our team usually replies within a few minutes.',
  'Did that answer your question?',
];
const CITIES = ['Berlin', 'Lisbon', 'Toronto', 'Pune', 'Osaka'];

interface FileType {
  contentType: string;
  extension: string;
  weight: number;
  minBytes: number;
  maxBytes: number;
  names: readonly string[];
  thumbnail: boolean;
}

// One line per type reads best as a table.
// prettier-ignore
const FILE_TYPES: readonly FileType[] = [
  { contentType: 'image/png', extension: 'png', weight: 26, minBytes: 15_000, maxBytes: 2_500_000, names: ['screenshot', 'Screenshot 2024-11-03 at 10.42.17', 'error'], thumbnail: true },
  { contentType: 'image/jpeg', extension: 'jpg', weight: 28, minBytes: 40_000, maxBytes: 4_000_000, names: ['IMG_4411', 'photo', 'damaged-parcel'], thumbnail: true },
  { contentType: 'application/pdf', extension: 'pdf', weight: 20, minBytes: 30_000, maxBytes: 8_000_000, names: ['invoice', 'receipt', 'contract signed'], thumbnail: false },
  { contentType: 'video/mp4', extension: 'mp4', weight: 5, minBytes: 500_000, maxBytes: 40_000_000, names: ['screen-recording', 'unboxing'], thumbnail: false },
  { contentType: 'text/plain', extension: 'txt', weight: 8, minBytes: 120, maxBytes: 60_000, names: ['error-log', 'notes'], thumbnail: false },
  { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx', weight: 5, minBytes: 12_000, maxBytes: 900_000, names: ['complaint', 'requirements'], thumbnail: false },
  { contentType: 'image/gif', extension: 'gif', weight: 4, minBytes: 8_000, maxBytes: 3_000_000, names: ['animation'], thumbnail: true },
  { contentType: 'audio/mpeg', extension: 'mp3', weight: 4, minBytes: 50_000, maxBytes: 5_000_000, names: ['voice-message'], thumbnail: false },
];

const ATTACHMENT_HOST = 'https://attachments.example.com/kommunicate';

interface Conversation {
  groupId: number;
  clientGroupId: string;
  groupName: string;
  visitor: { id: string; name: string };
  agent: (typeof AGENTS)[number];
  withBot: boolean;
  locale: (typeof LOCALES)[number];
  category: string | undefined;
  page: string;
  /** Messages generated so far. */
  sent: number;
}

function newConversation(random: Random, index: number, usedGroupIds: Set<number>): Conversation {
  let groupId = random.int(10_000_000, 99_999_999);
  while (usedGroupIds.has(groupId)) groupId = random.int(10_000_000, 99_999_999);
  usedGroupIds.add(groupId);
  const visitorName = `${random.pick(VISITOR_NAMES)}`;
  return {
    groupId,
    // Most integrations leave clientGroupId as the group id; some set their own.
    clientGroupId: random.chance(0.75) ? String(groupId) : `conv-${random.hex(10)}`,
    groupName: random.chance(0.7)
      ? 'Conversation'
      : random.chance(0.5)
        ? visitorName
        : random.pick(TOPICS),
    visitor: { id: `visitor-${index + 1}`, name: visitorName },
    agent: random.pick(AGENTS),
    withBot: random.chance(0.4),
    locale: random.pick(LOCALES),
    category: random.chance(0.3) ? random.pick(CATEGORIES) : undefined,
    page: random.pick(PAGES),
    sent: 0,
  };
}

function fill(
  template: string,
  random: Random,
  conversation: { visitor: { name: string } },
): string {
  return template
    .replace('{n}', String(random.int(1000, 9999)))
    .replace('{name}', conversation.visitor.name)
    .replace('{city}', random.pick(CITIES));
}

// ---------------------------------------------------------------- the plan

/** Per-conversation message counts: at least one each, the rest skewed (a few long chats, many short). */
function messageCounts(random: Random, conversations: number, messages: number): number[] {
  const counts = new Array<number>(conversations).fill(1);
  const cumulative: number[] = [];
  let total = 0;
  for (let c = 0; c < conversations; c += 1) {
    total += Math.pow(-Math.log(1 - random.float()), 1.3) + 0.05;
    cumulative.push(total);
  }
  for (let extra = messages - conversations; extra > 0; extra -= 1) {
    const at = random.float() * total;
    let low = 0;
    let high = conversations - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] > at) high = middle;
      else low = middle + 1;
    }
    counts[low] += 1;
  }
  return counts;
}

/** The conversation of each distinct message, in order: conversations start staggered and interleave. */
function timeline(random: Random, counts: readonly number[]): number[] {
  const slots: { at: number; conversation: number }[] = [];
  counts.forEach((count, conversation) => {
    const start = conversation === 0 ? 0 : random.float() * 0.85;
    const length = 0.05 + random.float() * (0.95 - start);
    slots.push({ at: start, conversation });
    for (let i = 1; i < count; i += 1) {
      slots.push({ at: start + length * (0.001 + random.float() * 0.999), conversation });
    }
  });
  slots.sort((a, b) => a.at - b.at || a.conversation - b.conversation);
  return slots.map((slot) => slot.conversation);
}

/** Webhook delay: mostly 50 ms–2 s, a tail up to 30 s. */
function webhookDelay(random: Random): number {
  return random.chance(0.9) ? random.logUniform(50, 2_000) : random.logUniform(2_000, 30_000);
}

function chatContext(
  random: Random,
  conversation: Pick<Conversation, 'locale' | 'page'>,
  botId: string | null,
): unknown {
  const context = {
    kmUserLocale: conversation.locale.locale,
    kmUserTimezone: conversation.locale.timeZone,
    currentPageUrl: `https://shop.example.com${conversation.page}`,
    ...(botId ? { botId } : {}),
  };
  // Kommunicate documents a JSON string; some SDKs send the object itself.
  return random.chance(0.05) ? context : JSON.stringify(context);
}

function buildPayload(
  random: Random,
  conversation: Conversation,
  timeStamp: number,
): { payload: KommunicatePayload; kind: TrafficKind } {
  const first = conversation.sent === 0;
  conversation.sent += 1;
  let kind: TrafficKind = random.chance(SHARES.system)
    ? 'system'
    : random.chance(SHARES.attachment)
      ? 'attachment'
      : 'text';

  let from: string;
  let text: string;
  let metadata: Record<string, unknown> | undefined;
  let file: KommunicateFile | undefined;

  if (kind === 'system') {
    if (first) {
      from = conversation.visitor.id;
      text = `${conversation.visitor.name} created group ${conversation.groupName}`;
      metadata = { category: 'HIDDEN' };
    } else if (random.chance(0.6)) {
      from = BOT.id;
      text = `Conversation assigned to ${conversation.agent.name}`;
      metadata = { category: 'HIDDEN', KM_ASSIGN_TO: conversation.agent.id };
    } else {
      from = conversation.agent.id;
      text = `${conversation.agent.name} resolved the conversation`;
      metadata = { category: 'HIDDEN', KM_STATUS: 'RESOLVED' };
    }
  } else {
    // The visitor opens every conversation; then visitor, agent and bot take turns.
    const role = first
      ? 'visitor'
      : random.weighted([
          { role: 'visitor', weight: 50 },
          { role: 'agent', weight: 35 },
          { role: 'bot', weight: conversation.withBot ? 15 : 0 },
        ]).role;
    if (role === 'visitor') {
      from = conversation.visitor.id;
      text = fill(random.pick(VISITOR_TEXTS), random, conversation);
      if (random.chance(0.9)) {
        metadata = {
          KM_CHAT_CONTEXT: chatContext(random, conversation, conversation.withBot ? BOT.id : null),
        };
        if (conversation.category) metadata.category = conversation.category;
      }
    } else if (role === 'agent') {
      // Now and then a colleague steps in.
      const agent = random.chance(0.1) ? random.pick(AGENTS) : conversation.agent;
      from = agent.id;
      text = fill(random.pick(AGENT_TEXTS), random, conversation);
      if (random.chance(0.3)) metadata = { skipBot: 'true' };
    } else {
      from = BOT.id;
      text = fill(random.pick(BOT_TEXTS), random, conversation);
      if (text.startsWith('Let me connect')) metadata = { KM_ASSIGN_TO: conversation.agent.id };
    }
    if (kind === 'attachment' && from === BOT.id) kind = 'text';
    if (kind === 'attachment') {
      file = attachment(random);
      // Most files come without a caption.
      if (random.chance(0.6)) text = '';
    }
  }

  const offline = random.chance(SHARES.offline);
  const payload: KommunicatePayload = {
    key: `5-${random.uuid()}-${timeStamp}`,
    from,
    // Kommunicate has been seen sending the numeric id as a string.
    groupId: random.chance(0.02) ? String(conversation.groupId) : conversation.groupId,
    clientGroupId: conversation.clientGroupId,
    groupName: conversation.groupName,
    message: text,
    timeStamp,
    receiverConnected: !offline,
    receiverLastSeenAtTime: offline
      ? timeStamp - random.logUniform(30_000, 3 * 86_400_000)
      : timeStamp - random.int(0, 5_000),
  };
  if (file) payload.file = file;
  if (metadata) payload.metadata = metadata;
  return { payload, kind };
}

function attachment(random: Random): KommunicateFile {
  const type = random.weighted(FILE_TYPES);
  const id = random.uuid();
  const name = `${random.pick(type.names)}.${type.extension}`;
  const base = `${ATTACHMENT_HOST}/${id}`;
  const file: KommunicateFile = {
    name,
    url: `${base}/${encodeURIComponent(name)}`,
    contentType: type.contentType,
    size: random.logUniform(type.minBytes, type.maxBytes),
  };
  if (type.thumbnail) file.thumbnailUrl = `${base}/thumbnail.jpg`;
  return file;
}

interface SendingPlan {
  /** Requests in sending order: the distinct message each sends, and whether it is a copy. */
  slots: { original: number; redelivery: boolean }[];
  /** The due time of request `index`, in ms after the start. */
  offsetOf: (index: number) => number;
}

/** Which messages are redelivered and when: each copy 10 or more requests after its original. */
function sendingPlan(
  random: Random,
  distinct: number,
  redeliveries: number,
  spreadMs: number,
): SendingPlan {
  const total = distinct + redeliveries;
  const indices = Array.from({ length: distinct }, (_, i) => i);
  for (let i = 0; i < redeliveries; i += 1) {
    const j = i + Math.floor(random.float() * (distinct - i));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  const slots: { at: number; original: number; redelivery: boolean }[] = indices.map((i) => ({
    at: i,
    original: i,
    redelivery: false,
  }));
  for (const original of indices.slice(0, redeliveries)) {
    const gap = random.int(10, 10 + Math.ceil(distinct * 0.15));
    slots.push({ at: original + gap + 0.5, original, redelivery: true });
  }
  slots.sort((a, b) => a.at - b.at || a.original - b.original);
  return { slots, offsetOf: (index) => Math.round((spreadMs * index) / total) };
}

function itemsOf(
  plan: SendingPlan,
  built: readonly { payload: KommunicatePayload; kind: TrafficKind }[],
): TrafficItem[] {
  return plan.slots.map((slot, index) => ({
    payload: slot.redelivery
      ? structuredClone(built[slot.original].payload)
      : built[slot.original].payload,
    redelivery: slot.redelivery,
    kind: built[slot.original].kind,
    sendOffsetMs: plan.offsetOf(index),
  }));
}

/**
 * The requests of one run, in sending order. `messages` requests in all, of
 * which about 5% redeliver an earlier payload a little later.
 */
export function generateTraffic(options: TrafficOptions): TrafficItem[] {
  const total = Math.floor(options.messages);
  if (!Number.isFinite(total) || total < 0) throw new RangeError('messages must be >= 0');
  if (total === 0) return [];
  const random = new Random(options.seed ?? DEFAULT_SEED);
  const startTime = options.startTime ?? Date.now();
  const spreadMs = Math.max(0, options.spreadMs ?? 0);

  const redeliveries = total >= 2 ? Math.round(total * SHARES.redelivery) : 0;
  const distinct = total - redeliveries;
  const conversationCount = Math.max(1, Math.min(Math.floor(options.conversations), distinct));
  if (isSupportTraffic(options)) {
    return supportTraffic(random, options, {
      startTime,
      spreadMs,
      distinct,
      redeliveries,
      conversationCount,
    });
  }

  const usedGroupIds = new Set<number>();
  const conversations = Array.from({ length: conversationCount }, (_, index) =>
    newConversation(random, index, usedGroupIds),
  );
  const order = timeline(random, messageCounts(random, conversationCount, distinct));

  const plan = sendingPlan(random, distinct, redeliveries, spreadMs);
  const position = new Array<number>(distinct);
  plan.slots.forEach((slot, index) => {
    if (!slot.redelivery) position[slot.original] = index;
  });

  const built = order.map((conversation, i) => {
    const offset = plan.offsetOf(position[i]);
    return buildPayload(
      random,
      conversations[conversation],
      startTime + offset - webhookDelay(random),
    );
  });
  return itemsOf(plan, built);
}

// ---------------------------------------------------------------- support mode

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Shares of support sessions (the rest: customer-initiated, answered, without a bot). */
export const SUPPORT_SHARES = {
  /** An agent writes first (outreach, a follow-up). */
  agentInitiated: 0.1,
  /** Of customer-initiated sessions, when the conversation has a bot: the bot answers first. */
  botFirst: 0.6,
  /** Of customer-initiated sessions: no agent ever answers. */
  unanswered: 0.12,
  /** Of conversations with 8 or more messages: the customer comes back a day or more later. */
  followUpSession: 0.15,
} as const;

/** Customers write more in the (UTC) day than at night: a weight per hour, for the busiest-hours heatmap. */
// prettier-ignore
const HOURLY_WEIGHT = [
  0.2, 0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.5, 0.8, 1, 1, 1,
  0.9, 0.9, 1, 1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.35, 0.25,
];

const PROACTIVE_TEXTS = [
  'Hi {name}, I saw you had trouble at checkout. Can I help?',
  'Hi {name}, following up on your order #{n}: it has shipped.',
  'Hello {name}, your refund for order #{n} has been processed.',
];
const NUDGE_TEXTS = ['Hello?', 'Is anyone there?', 'Still waiting for an answer…', 'Any update?'];
const HANDOFF_TEXT = 'Let me connect you with one of our agents.';

type SpeakerRole = 'customer' | 'agent' | 'bot';

interface SupportConversation {
  groupId: number;
  clientGroupId: string;
  groupName: string;
  visitor: { id: string; name: string };
  /** The assigned agent's number (1-based); a colleague steps in now and then. */
  agent: number;
  bot: string | null;
  locale: (typeof LOCALES)[number];
  category: string | undefined;
  page: string;
}

/** One message of a conversation's script: when (ms after the conversation starts), who, what. */
interface Line {
  at: number;
  role: SpeakerRole;
  from: string;
  template: string;
  handoff?: boolean;
}

interface Cast {
  agents: number;
  /** Per agent: how much slower (above 1) or faster than the median agent they answer. */
  pace: number[];
}

/**
 * An agent's answering time: mostly 1-5 minutes (log-normal around the
 * median), with one answer in eight from a busy or away agent, into hours.
 * Kept under 12 h so that no answer opens a new session at the default 24 h gap.
 */
function agentDelay(random: Random, medianMs: number, pace: number): number {
  const busy = random.chance(0.12);
  const ms = busy ? random.logNormal(40 * MINUTE, 1.1) : random.logNormal(medianMs, 0.7);
  return Math.round(Math.min(12 * HOUR, Math.max(5 * SECOND, ms * pace)));
}

/** A bot answers within seconds. */
const botDelay = (random: Random): number => random.int(800, 6 * SECOND);
/** A customer answering back: seconds to half an hour. */
const customerDelay = (random: Random): number => random.logUniform(10 * SECOND, 30 * MINUTE);
/** Between two messages of one person in a row. */
const burstDelay = (random: Random): number => random.logUniform(3 * SECOND, 90 * SECOND);

/**
 * Writes one session's script into `lines` from `start`, at most `budget`
 * messages; returns how many. An answered session leaves the last word to the
 * agent where its budget allows.
 */
function supportSession(
  random: Random,
  conversation: SupportConversation,
  cast: Cast,
  lines: Line[],
  start: number,
  budget: number,
): number {
  const first = lines.length;
  const room = (): number => budget - (lines.length - first);
  let t = start;
  const say = (role: SpeakerRole, from: string, template: string, delay: number): boolean => {
    if (room() <= 0) return false;
    t += lines.length === first ? 0 : Math.max(SECOND, delay);
    lines.push({ at: t, role, from, template });
    return true;
  };
  const customer = (template: string, delay: number): boolean =>
    say('customer', conversation.visitor.id, template, delay);
  const agentTurn = (medianMs: number): void => {
    // Now and then a colleague steps in.
    const agent =
      cast.agents > 1 && random.chance(0.1) ? random.int(1, cast.agents) : conversation.agent;
    const delay = agentDelay(random, medianMs, cast.pace[agent - 1]);
    say('agent', `agent-${agent}`, random.pick(AGENT_TEXTS), delay);
    if (room() > 0 && random.chance(0.2)) {
      say('agent', `agent-${agent}`, random.pick(AGENT_TEXTS), burstDelay(random));
    }
  };
  /** The customer answers back, leaving room for `reserve` more messages. */
  const customerTurn = (reserve: number): void => {
    if (room() <= reserve) return;
    customer(random.pick(VISITOR_TEXTS), customerDelay(random));
    if (room() > reserve && random.chance(0.25)) {
      customer(random.pick(VISITOR_TEXTS), burstDelay(random));
    }
  };

  if (cast.agents > 0 && random.chance(SUPPORT_SHARES.agentInitiated)) {
    say('agent', `agent-${conversation.agent}`, random.pick(PROACTIVE_TEXTS), 0);
  } else {
    const unanswered = cast.agents === 0 || random.chance(SUPPORT_SHARES.unanswered);
    const reserve = unanswered ? 0 : 1;
    // The customer opens with one to three messages.
    const burst = random.weighted([
      { count: 1, weight: 50 },
      { count: 2, weight: 30 },
      { count: 3, weight: 20 },
    ]).count;
    customer(random.pick(VISITOR_TEXTS), 0);
    for (let i = 1; i < burst && room() > reserve; i += 1) {
      customer(random.pick(VISITOR_TEXTS), burstDelay(random));
    }
    if (conversation.bot && room() > reserve && random.chance(SUPPORT_SHARES.botFirst)) {
      say('bot', conversation.bot, random.pick(BOT_TEXTS), botDelay(random));
      if (room() > reserve + 2 && random.chance(0.6)) {
        customerTurn(reserve + 1);
        say('bot', conversation.bot, random.pick(BOT_TEXTS), botDelay(random));
      }
      if (!unanswered && room() >= 2) {
        say('bot', conversation.bot, HANDOFF_TEXT, botDelay(random));
        lines[lines.length - 1].handoff = true;
      }
    }
    if (unanswered) {
      // Nobody comes: a nudge or two, then the customer gives up.
      const nudges = random.int(0, 2);
      for (let i = 0; i < nudges; i += 1) {
        customer(random.pick(NUDGE_TEXTS), random.logUniform(3 * MINUTE, 45 * MINUTE));
      }
      return lines.length - first;
    }
    agentTurn(3 * MINUTE);
  }
  // Then they take turns until the session's messages are used up; mostly
  // the agent has the last word, sometimes a customer's question is left open.
  while (room() > 0) {
    customerTurn(room() === 1 && random.chance(0.25) ? 0 : 1);
    agentTurn(90 * SECOND);
  }
  return lines.length - first;
}

/** A conversation's script, its first message at 0: one session, or a few a day or more apart. */
function supportScript(
  random: Random,
  conversation: SupportConversation,
  cast: Cast,
  count: number,
): Line[] {
  const lines: Line[] = [];
  let remaining = count;
  while (remaining > 0) {
    // A customer left unanswered, or coming back, writes again 26-60 h later:
    // past the default 24 h session gap.
    const start =
      lines.length === 0 ? 0 : lines[lines.length - 1].at + random.int(26 * HOUR, 60 * HOUR);
    const budget =
      remaining >= 8 && random.chance(SUPPORT_SHARES.followUpSession)
        ? random.int(3, remaining - 3)
        : remaining;
    remaining -= supportSession(random, conversation, cast, lines, start, budget);
  }
  return lines;
}

function newSupportConversation(
  random: Random,
  index: number,
  usedGroupIds: Set<number>,
  agents: number,
  bots: number,
): SupportConversation {
  let groupId = random.int(10_000_000, 99_999_999);
  while (usedGroupIds.has(groupId)) groupId = random.int(10_000_000, 99_999_999);
  usedGroupIds.add(groupId);
  const visitorName = random.pick(VISITOR_NAMES);
  return {
    groupId,
    clientGroupId: random.chance(0.75) ? String(groupId) : `conv-${random.hex(10)}`,
    groupName: random.chance(0.7) ? 'Conversation' : random.pick(TOPICS),
    visitor: { id: `visitor-${index + 1}`, name: visitorName },
    agent: agents > 0 ? random.int(1, agents) : 0,
    bot: bots > 0 && random.chance(0.6) ? `bot-${random.int(1, bots)}` : null,
    locale: random.pick(LOCALES),
    category: random.chance(0.3) ? random.pick(CATEGORIES) : undefined,
    page: random.pick(PAGES),
  };
}

/** When a conversation that lasts `durationMs` starts: in the history window, more often by day. */
function conversationStart(
  random: Random,
  startTime: number,
  historyMs: number,
  durationMs: number,
): number {
  // It ends at least a minute before the run starts: no time stamp is in the future.
  const latest = startTime - MINUTE - durationMs;
  const earliest = Math.min(latest, startTime - historyMs);
  let at = latest;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    at = Math.round(earliest + random.float() * (latest - earliest));
    if (random.float() < HOURLY_WEIGHT[new Date(at).getUTCHours()]) break;
  }
  return at;
}

function supportPayload(
  random: Random,
  conversation: SupportConversation,
  line: Line,
  timeStamp: number,
): { payload: KommunicatePayload; kind: TrafficKind } {
  let text = fill(line.template, random, conversation);
  let metadata: Record<string, unknown> | undefined;
  let file: KommunicateFile | undefined;
  if (line.role === 'customer') {
    if (random.chance(0.9)) {
      metadata = { KM_CHAT_CONTEXT: chatContext(random, conversation, conversation.bot) };
      if (conversation.category) metadata.category = conversation.category;
    }
  } else if (line.handoff) {
    metadata = { KM_ASSIGN_TO: `agent-${conversation.agent}` };
  } else if (line.role === 'agent' && random.chance(0.3)) {
    metadata = { skipBot: 'true' };
  }
  if (line.role !== 'bot' && random.chance(SHARES.attachment)) {
    file = attachment(random);
    // Most files come without a caption.
    if (random.chance(0.6)) text = '';
  }
  const offline = random.chance(SHARES.offline);
  const payload: KommunicatePayload = {
    key: `5-${random.uuid()}-${timeStamp}`,
    from: line.from,
    // Kommunicate has been seen sending the numeric id as a string.
    groupId: random.chance(0.02) ? String(conversation.groupId) : conversation.groupId,
    clientGroupId: conversation.clientGroupId,
    groupName: conversation.groupName,
    message: text,
    timeStamp,
    receiverConnected: !offline,
    receiverLastSeenAtTime: offline
      ? timeStamp - random.logUniform(30_000, 3 * 86_400_000)
      : timeStamp - random.int(0, 5_000),
  };
  if (file) payload.file = file;
  if (metadata) payload.metadata = metadata;
  return { payload, kind: file ? 'attachment' : 'text' };
}

/**
 * Support-mode traffic: each conversation scripted (see supportSession), placed
 * in the history window, and sent in the order the webhooks would arrive (time
 * stamp plus webhook delay, so a bot's answer within seconds sometimes arrives
 * before the message it answers). No system messages: they are nobody's reply.
 */
function supportTraffic(
  random: Random,
  options: TrafficOptions,
  run: {
    startTime: number;
    spreadMs: number;
    distinct: number;
    redeliveries: number;
    conversationCount: number;
  },
): TrafficItem[] {
  const agents = Math.max(0, Math.floor(options.agents ?? 0));
  const bots = Math.max(0, Math.floor(options.bots ?? 0));
  const historyMs = Math.max(HOUR, options.historyMs ?? DEFAULT_HISTORY_MS);
  const cast: Cast = {
    agents,
    pace: Array.from({ length: agents }, () => 0.6 + random.float()),
  };
  const usedGroupIds = new Set<number>();
  const conversations = Array.from({ length: run.conversationCount }, (_, index) =>
    newSupportConversation(random, index, usedGroupIds, agents, bots),
  );
  const counts = messageCounts(random, run.conversationCount, run.distinct);

  // Placing conversations in time draws from its own stream, so that the
  // scripts, and so the expected figures, do not depend on the start time.
  const placement = new Random(`${options.seed ?? DEFAULT_SEED}:placement`);
  const messages: { payload: KommunicatePayload; kind: TrafficKind; arrival: number }[] = [];
  conversations.forEach((conversation, c) => {
    const script = supportScript(random, conversation, cast, counts[c]);
    const start = conversationStart(
      placement,
      run.startTime,
      historyMs,
      script[script.length - 1].at,
    );
    for (const line of script) {
      const built = supportPayload(random, conversation, line, start + line.at);
      messages.push({ ...built, arrival: start + line.at + webhookDelay(random) });
    }
  });
  // Stable sort: equal arrivals keep the generation order.
  messages.sort((a, b) => a.arrival - b.arrival);

  return itemsOf(sendingPlan(random, run.distinct, run.redeliveries, run.spreadMs), messages);
}

/**
 * The item's payload as sent at `sentAt`: its time stamps moved by how late
 * that is against its due time, so that it shows the planned webhook delay
 * however long the run has taken (with `--rate 0` everything is due at once).
 */
export function stampedAt(
  item: TrafficItem,
  startTime: number,
  sentAt: number,
): KommunicatePayload {
  const late = sentAt - (startTime + item.sendOffsetMs);
  const { payload } = item;
  return {
    ...payload,
    timeStamp: payload.timeStamp + late,
    receiverLastSeenAtTime: payload.receiverLastSeenAtTime + late,
  };
}
