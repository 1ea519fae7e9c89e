/**
 * The simulator's engine: sends a run's traffic at the webhook and counts what
 * came back. It prints nothing; progress goes to `onProgress`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_SESSION_GAP_MS,
  expectedSupportMetrics,
  ExpectedSupportMetrics,
} from '../support-oracle';
import {
  DEFAULT_HISTORY_MS,
  generateTraffic,
  isSupportTraffic,
  stampedAt,
  TrafficItem,
} from '../traffic';

export interface SimulationOptions {
  url: string;
  token: string;
  /** Requests, redeliveries included. */
  messages: number;
  conversations: number;
  /** Requests started per second; 0 = as fast as `concurrency` allows. */
  rate: number;
  /** Requests in flight at most. */
  concurrency: number;
  seed: number | string;
  /**
   * Support mode (either above 0): agents `agent-1..n` and bots `bot-1..m`
   * answer customers with realistic delays. The time stamps are then the
   * simulated conversation times, sent as planned, not stamped when sent.
   */
  agents?: number;
  bots?: number;
  /** Support mode: how far back the conversations go (default 7 days). */
  historyMs?: number;
  /** Support mode: the session gap the expected figures assume (default 24 h, as the server's). */
  sessionGapMs?: number;
  /** Per request; a request that takes longer counts as a network error. */
  timeoutMs?: number;
  /**
   * Epoch ms the plan (keys, due times) starts at; now when left out. Each
   * payload is stamped when it is sent, its planned webhook delay before that.
   */
  startTime?: number;
  /** Aborting stops sending new requests; those in flight finish. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
}

export interface Progress {
  total: number;
  /** Requests answered or failed. */
  done: number;
  accepted: number;
  duplicate: number;
  failed: number;
  elapsedMs: number;
}

export interface SimulationSummary {
  url: string;
  seed: number | string;
  startTime: number;
  planned: { requests: number; redeliveries: number; conversations: number };
  targetRate: number;
  concurrency: number;
  /** Requests that got an answer or failed (fewer than planned when interrupted). */
  sent: number;
  accepted: number;
  duplicate: number;
  /** Redeliveries among the requests sent: the duplicates to expect on an empty store. */
  redeliveriesSent: number;
  /** First deliveries answered `duplicate`: the store already had the key (same seed and start time). */
  unexpectedDuplicates: number;
  /** Non-200 answers by status and error code, with the first message seen. */
  rejected: { status: number; code: string; count: number; message: string }[];
  /** Requests that got no answer, by reason. */
  networkErrors: { reason: string; count: number }[];
  /** 200 answers that were not `{status: accepted|duplicate, key}` for the key sent. */
  unexpectedAnswers: number;
  /** rejected + network errors + unexpected answers. */
  failed: number;
  interrupted: boolean;
  durationMs: number;
  /** Requests completed per second. */
  achievedRate: number;
  /** Of the requests that got an answer. */
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** Support mode only: the cast, and the figures the whole plan should give (wall clock). */
  support?: SupportPlan;
}

export interface SupportPlan {
  agents: number;
  bots: number;
  historyMs: number;
  sessionGapMs: number;
  expected: ExpectedSupportMetrics;
}

/** The traffic a run with these options sends: due times spread at `rate` from `startTime`. */
export function trafficFor(
  options: Pick<
    SimulationOptions,
    'messages' | 'conversations' | 'rate' | 'seed' | 'agents' | 'bots' | 'historyMs'
  > & {
    startTime: number;
  },
): TrafficItem[] {
  return generateTraffic({
    messages: options.messages,
    conversations: options.conversations,
    seed: options.seed,
    startTime: options.startTime,
    spreadMs: options.rate > 0 ? (options.messages * 1000) / options.rate : 0,
    agents: options.agents,
    bots: options.bots,
    historyMs: options.historyMs,
  });
}

const basic = (token: string): string => `Basic ${Buffer.from(token).toString('base64')}`;

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index];
}

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timeout (${timeoutMs} ms)`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function supportPlan(options: SimulationOptions, items: readonly TrafficItem[]): SupportPlan {
  const sessionGapMs = options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS;
  return {
    agents: options.agents ?? 0,
    bots: options.bots ?? 0,
    historyMs: options.historyMs ?? DEFAULT_HISTORY_MS,
    sessionGapMs,
    expected: expectedSupportMetrics(items, { sessionGapMs }),
  };
}

/** Sends the traffic and tells what came back. Never throws for what the server answers. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const startTime = options.startTime ?? Date.now();
  const items = trafficFor({ ...options, startTime });
  const support = isSupportTraffic(options);
  const headers = {
    Authentication: basic(options.token),
    'Content-Type': 'application/json',
  };

  const counts = { sent: 0, accepted: 0, duplicate: 0, unexpectedAnswers: 0 };
  let redeliveriesSent = 0;
  let unexpectedDuplicates = 0;
  const rejected = new Map<
    string,
    { status: number; code: string; count: number; message: string }
  >();
  const networkErrors = new Map<string, number>();
  const latencies: number[] = [];
  const failed = (): number =>
    [...rejected.values()].reduce((sum, entry) => sum + entry.count, 0) +
    [...networkErrors.values()].reduce((sum, count) => sum + count, 0) +
    counts.unexpectedAnswers;

  const started = performance.now();
  const progress = (): Progress => ({
    total: items.length,
    done: counts.sent,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    failed: failed(),
    elapsedMs: performance.now() - started,
  });
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 100)
    : undefined;

  // A redelivery is the very body its original went out with, time stamps included.
  const sentBodies = new Map<string, string>();

  async function send(item: TrafficItem, requestBody: string): Promise<void> {
    const begun = performance.now();
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers,
        body: requestBody,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      latencies.push(performance.now() - begun);
      let body: { status?: unknown; key?: unknown; code?: unknown; message?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // Kept as {}: judged by the status below.
      }
      if (response.status === 200) {
        if (body.key === item.payload.key && body.status === 'accepted') counts.accepted += 1;
        else if (body.key === item.payload.key && body.status === 'duplicate') {
          counts.duplicate += 1;
          if (!item.redelivery) unexpectedDuplicates += 1;
        } else counts.unexpectedAnswers += 1;
      } else {
        const code = typeof body.code === 'string' ? body.code : '-';
        const id = `${response.status} ${code}`;
        const entry = rejected.get(id) ?? {
          status: response.status,
          code,
          count: 0,
          message: typeof body.message === 'string' ? body.message : text.slice(0, 200),
        };
        entry.count += 1;
        rejected.set(id, entry);
      }
    } catch (error) {
      const reason = networkReason(error, timeoutMs);
      networkErrors.set(reason, (networkErrors.get(reason) ?? 0) + 1);
    } finally {
      counts.sent += 1;
      if (item.redelivery) redeliveriesSent += 1;
    }
  }

  // A redelivery goes out only once its original has been answered, so that
  // the original is the one accepted and the copy the one answered `duplicate`.
  const redelivered = new Set(
    items.filter((item) => item.redelivery).map((item) => item.payload.key),
  );
  const originals = new Map<string, Promise<void>>();

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!options.signal?.aborted && next < items.length) {
      const item = items[next];
      next += 1;
      const wait = started + item.sendOffsetMs - performance.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, { signal: options.signal });
        } catch {
          return; // interrupted while waiting: this one is not sent
        }
      }
      const { key } = item.payload;
      if (item.redelivery) {
        await originals.get(key);
        originals.delete(key);
        const body = sentBodies.get(key) ?? JSON.stringify(item.payload);
        sentBodies.delete(key);
        await send(item, body);
      } else {
        // Support traffic carries its simulated times: they are what is measured.
        const body = JSON.stringify(
          support ? item.payload : stampedAt(item, startTime, Date.now()),
        );
        const sending = send(item, body);
        if (redelivered.has(key)) {
          originals.set(key, sending);
          sentBodies.set(key, body);
        }
        await sending;
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  try {
    await Promise.all(Array.from({ length: workers }, () => worker()));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  options.onProgress?.(progress());

  const durationMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    url: options.url,
    seed: options.seed,
    startTime,
    planned: {
      requests: items.length,
      redeliveries: items.filter((item) => item.redelivery).length,
      conversations: new Set(items.map((item) => String(item.payload.groupId))).size,
    },
    targetRate: options.rate,
    concurrency: options.concurrency,
    ...counts,
    redeliveriesSent,
    unexpectedDuplicates,
    rejected: [...rejected.values()].sort((a, b) => b.count - a.count),
    networkErrors: [...networkErrors]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count),
    failed: failed(),
    interrupted: options.signal?.aborted === true && counts.sent < items.length,
    durationMs: round(durationMs),
    achievedRate: round(durationMs > 0 ? (counts.sent * 1000) / durationMs : 0),
    latencyMs:
      latencies.length === 0
        ? null
        : {
            p50: round(percentile(latencies, 0.5), 2),
            p95: round(percentile(latencies, 0.95), 2),
            p99: round(percentile(latencies, 0.99), 2),
            max: round(latencies[latencies.length - 1], 2),
          },
    ...(support ? { support: supportPlan(options, items) } : {}),
  };
}
