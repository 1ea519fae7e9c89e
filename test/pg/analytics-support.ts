import { sql } from 'kysely';
import { ANALYTICS_MIGRATIONS } from '../../src/analytics/analytics.migrations';
import type { ReceivedMessage } from '../../src/messages';
import type { Database } from '../../src/storage/database';
import { openPostgres } from '../../src/storage/postgres/open-postgres';
import { storeEnv } from '../support/store';

/** 21:00 UTC: the traffic runs across UTC midnights. */
export const START = Date.parse('2026-03-01T21:00:00Z');
const CONTENT_TYPES = ['image/png', 'Image/PNG', 'application/pdf', '_other', null];
/** Keys that a linguistic collation orders otherwise than their bytes do. */
const SENDERS = ['Ana', 'ana', 'agent-1', 'Agent-2', '_bot', 'émile', 'Zoë', 'zed', 'b-1', 'B-1'];

/**
 * Deterministic traffic, a message every `stepMs` from START: conversations
 * and senders (few, so their hours and days are shared), files, offline
 * receivers, webhook delays from 10 ms to more than a day.
 */
export function traffic(count: number, stepMs = 60_000): ReceivedMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const receivedAt = new Date(START + i * stepMs + (i % 7) * 1000);
    const groupId = 100 + ((i * 7) % 24);
    return {
      key: `pg-${i}`,
      from: SENDERS[(i * 3) % SENDERS.length],
      to: null,
      text: `message ${i}`,
      timeStamp: receivedAt.getTime() - [10, 400, 2_000, 45_000, 7_200_000, 90_000_000][i % 6],
      receivedAt,
      conversationKey: i % 10 === 9 ? null : `group:${groupId}`,
      groupId,
      clientGroupId: String(groupId),
      groupName: 'Conversation',
      conversationId: null,
      receiverConnected: i % 4 === 0 ? false : i % 4 === 1 ? null : true,
      receiverLastSeenAtTime: null,
      file:
        i % 5 === 0
          ? {
              name: null,
              url: `https://files.test/${i}`,
              contentType: CONTENT_TYPES[i % CONTENT_TYPES.length],
              size: i % 2 === 0 ? 1000 + i : null,
              thumbnailUrl: null,
            }
          : null,
      metadata: {},
    };
  });
}

/** The first message of each conversation, as the webhook would tell it. */
export function starts(messages: readonly ReceivedMessage[]): ReceivedMessage[] {
  const first = new Map<string, ReceivedMessage>();
  for (const message of [...messages].sort((a, b) => +a.receivedAt - +b.receivedAt)) {
    if (message.conversationKey !== null && !first.has(message.conversationKey)) {
      first.set(message.conversationKey, message);
    }
  }
  return [...first.values()];
}

/** Every analytics table and its key. */
export const TABLES: Record<string, readonly string[]> = {
  analytics_hourly: ['bucket_start'],
  analytics_daily: ['day_start'],
  analytics_hourly_conversations: ['bucket_start', 'conversation_key'],
  analytics_daily_conversations: ['day_start', 'conversation_key'],
  analytics_conversation_totals: ['conversation_key'],
  analytics_hourly_senders: ['bucket_start', 'sender'],
  analytics_daily_senders: ['day_start', 'sender'],
  analytics_sender_totals: ['sender'],
  analytics_hourly_content_types: ['bucket_start', 'content_type'],
  analytics_daily_content_types: ['day_start', 'content_type'],
  analytics_counted: ['kind', 'message_key'],
};

/** Every analytics table, row by row, ordered in JavaScript (the same on either store). */
export async function dump(db: Database): Promise<Record<string, Record<string, unknown>[]>> {
  const tables: Record<string, Record<string, unknown>[]> = {};
  for (const [table, keys] of Object.entries(TABLES)) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      db,
    );
    const keyOf = (row: Record<string, unknown>) => JSON.stringify(keys.map((key) => row[key]));
    tables[table] = rows.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  }
  return tables;
}

/**
 * A Database on the run's PostgreSQL, in the schema named after `name`
 * (test/support/store.ts): two opened with one name are two instances of
 * the service on one store, each with a pool of its own.
 */
export async function openPostgresStore(name: string): Promise<Database> {
  const { DATABASE_URL } = await storeEnv(name);
  if (DATABASE_URL === undefined) throw new Error('test/pg runs under jest.pg.config.js only');
  return openPostgres({
    url: DATABASE_URL,
    poolSize: 4,
    statementTimeoutMs: 10_000,
    // The service's default (STORE_BUSY_TIMEOUT_MS): a deadlock is retried within it.
    busyTimeoutMs: 2000,
    migrations: [ANALYTICS_MIGRATIONS],
  });
}
