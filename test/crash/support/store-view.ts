import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';

/** The fields of a delivery this test looks at, whichever way it was read. */
export interface DeliveryView {
  id: string;
  messageKey: string;
  listener: string;
  status: string;
  attempts: number;
}

export interface StoreView {
  source: 'admin API' | 'SQLite';
  messageKeys: Set<string>;
  deliveries: DeliveryView[];
}

export const databaseFile = (dataDir: string): string => join(dataDir, 'kommhook.sqlite');

/**
 * Reads the store file directly, read-only. Safe while the server is stopped
 * or killed, and (WAL) alongside a running server.
 */
export function readSqlite(dataDir: string): StoreView {
  const db = new BetterSqlite3(databaseFile(dataDir), {
    readonly: true,
    fileMustExist: true,
    timeout: 5000,
  });
  try {
    const messages = db.prepare('select key from messages').all() as { key: string }[];
    const deliveries = db
      .prepare('select id, message_key, listener, status, attempts from deliveries')
      .all() as {
      id: string;
      message_key: string;
      listener: string;
      status: string;
      attempts: number;
    }[];
    return {
      source: 'SQLite',
      messageKeys: new Set(messages.map((row) => row.key)),
      deliveries: deliveries.map((row) => ({
        id: row.id,
        messageKey: row.message_key,
        listener: row.listener,
        status: row.status,
        attempts: Number(row.attempts),
      })),
    };
  } finally {
    db.close();
  }
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function allPages<T>(baseUrl: string, path: string, adminToken: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const url = `${baseUrl}${path}?limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 500)}`);
    }
    const body = JSON.parse(text) as Partial<Page<T>>;
    if (
      !Array.isArray(body.items) ||
      (body.nextCursor !== null && typeof body.nextCursor !== 'string')
    ) {
      throw new Error(`GET ${url}: not {items, nextCursor}: ${text.slice(0, 500)}`);
    }
    items.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error(`GET ${path}: more than 1000 pages, the cursor does not advance`);
}

/** GET /api/messages and GET /api/deliveries, every page. */
export async function readAdminApi(baseUrl: string, adminToken: string): Promise<StoreView> {
  const messages = await allPages<{ key: string }>(baseUrl, '/api/messages', adminToken);
  const deliveries = await allPages<DeliveryView>(baseUrl, '/api/deliveries', adminToken);
  return {
    source: 'admin API',
    messageKeys: new Set(messages.map((message) => message.key)),
    deliveries: deliveries.map((delivery) => ({
      id: delivery.id,
      messageKey: delivery.messageKey,
      listener: delivery.listener,
      status: delivery.status,
      attempts: delivery.attempts,
    })),
  };
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
