import BetterSqlite3 from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

const DAY = 86_400_000;
const BATCH = 50_000;

/**
 * Fills an existing kommhook store with `count` messages over the past year,
 * each with its conversation and two finished deliveries, as a long-running
 * installation's tables would look. Written straight to the file: seeding a
 * million rows through HTTP would take longer than the benchmark.
 */
export function seedStoredMessages(file: string, count: number): void {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const message = db.prepare(`
    insert into messages (key, conversation_key, from_user, text, time_stamp, received_at,
      group_id, client_group_id, group_name, receiver_connected, metadata, raw)
    values (?, ?, ?, ?, ?, ?, ?, ?, 'Conversation', 1, '{}', ?)`);
  const conversation = db.prepare(`
    insert into conversations (conversation_key, first_message_key, first_seen_at)
    values (?, ?, ?)
    on conflict (conversation_key) do nothing`);
  const delivery = db.prepare(`
    insert into deliveries (id, message_key, event_name, event_id, listener, status, attempts,
      created_at, updated_at, last_attempt_at, last_duration_ms, completed_at)
    values (?, ?, 'message.received', ?, ?, 'done', 1, ?, ?, ?, 1, ?)`);
  const end = Date.now() - DAY;
  const step = (365 * DAY) / count;
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = Math.floor(end - (count - i) * step);
      const groupId = 1_000_000 + Math.floor(i / 20);
      const key = `5-seed-${i}`;
      const text = `seeded message ${i}`;
      message.run(
        key,
        `group:${groupId}`,
        `visitor-${groupId}`,
        text,
        at - 500,
        at,
        groupId,
        String(groupId),
        JSON.stringify({
          key,
          from: `visitor-${groupId}`,
          message: text,
          timeStamp: at - 500,
          groupId,
        }),
      );
      conversation.run(`group:${groupId}`, key, at);
      for (const listener of ['analytics.messages', 'notifications.offline-webhook.webhook']) {
        const id = randomUUID();
        delivery.run(id, key, randomUUID(), listener, at, at + 5, at + 2, at + 5);
      }
    }
  });
  for (let from = 0; from < count; from += BATCH) insert(from, Math.min(count, from + BATCH));
  db.exec('analyze');
  db.close();
}
