import { Logger } from '@nestjs/common';
import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANALYTICS_MIGRATIONS } from '../../src/analytics/analytics.migrations';
import { DAY_MS, HOUR_MS, TimeRange } from '../../src/analytics/analytics-store';
import { SqlAnalyticsStore } from '../../src/analytics/sql-analytics-store';
import type { Database } from '../../src/storage/database';
import { openSqlite } from '../../src/storage/sqlite/open-sqlite';
import { dump, openPostgresStore, START, starts, traffic } from './analytics-support';

/** The text keys of the aggregates: what a database's collation orders. */
const TEXT_KEYS: Record<string, string> = {
  analytics_hourly_conversations: 'conversation_key',
  analytics_daily_conversations: 'conversation_key',
  analytics_conversation_totals: 'conversation_key',
  analytics_hourly_senders: 'sender',
  analytics_daily_senders: 'sender',
  analytics_sender_totals: 'sender',
  analytics_hourly_content_types: 'content_type',
  analytics_daily_content_types: 'content_type',
};

/** Ranges that start and end on and off hours and UTC days, open at either end or not. */
const RANGES: TimeRange[] = [
  {},
  { since: START },
  { until: START + 5 * HOUR_MS },
  { since: START + 30 * 60_000, until: START + 26 * HOUR_MS + 1 },
  { since: START + 3 * HOUR_MS, until: START + 51 * HOUR_MS },
  { since: START + 27 * HOUR_MS, until: START + 28 * HOUR_MS },
  { since: START + 40 * DAY_MS },
];
const OFFSETS = [-12, -5, -1, 0, 1, 2, 9, 14];

describe('analytics answers on SQLite and on PostgreSQL', () => {
  let dir: string;
  const opened: Database[] = [];
  let sqlite: SqlAnalyticsStore;
  let postgres: SqlAnalyticsStore;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'kommhook-dialects-'));
    const lite = await openSqlite(join(dir, 'analytics.sqlite'), {
      busyTimeoutMs: 1000,
      migrations: [ANALYTICS_MIGRATIONS],
    });
    opened.push(lite);
    const pg = await openPostgresStore('analytics-dialects');
    opened.push(pg);
    // As on a database created under en_US (the test database's is C): keys in a linguistic order.
    for (const [table, column] of Object.entries(TEXT_KEYS)) {
      await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)}
        type text collate "en-x-icu"`.execute(pg);
    }
    sqlite = new SqlAnalyticsStore(lite);
    postgres = new SqlAnalyticsStore(pg);
    // 3000 messages 90 s apart: three UTC days and more, from 21:00.
    const messages = traffic(3000, 90_000);
    for (const store of [sqlite, postgres]) {
      for (let at = 0; at < messages.length; at += 100) {
        await store.recordMessages(messages.slice(at, at + 100));
      }
      await store.recordConversationsStarted(starts(messages));
    }
    expect(await dump(pg)).toEqual(await dump(lite));
  }, 120_000);

  afterAll(async () => {
    for (const db of opened.splice(0)) await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sums, distinct keys, top lists and content types over every range, ties broken alike', async () => {
    for (const range of RANGES) {
      const [lite, pg] = await Promise.all(
        [sqlite, postgres].map(async (store) => ({
          summary: await store.summary(range, 3),
          senders: await store.top('sender', range, 4),
          conversations: await store.top('conversation', range, 5),
          attachments: await store.attachments(range),
        })),
      );
      expect({ range, ...pg }).toEqual({ range, ...lite });
    }
    const all = await postgres.summary({}, 10);
    expect(all.messages).toBe(3000);
    expect(all.topSenders.map((top) => top.sender)).toEqual([
      'Agent-2',
      'Ana',
      'B-1',
      'Zo\u00eb',
      '_bot',
      'agent-1',
      'ana',
      'b-1',
      'zed',
      '\u00e9mile',
    ]);
  });

  it('hours, and days at every offset from -12 to +14, cut at the same instants', async () => {
    const range = { since: START - DAY_MS, until: START + 4 * DAY_MS };
    const within = { since: START + 5 * HOUR_MS, until: START + 2 * DAY_MS + 7 * HOUR_MS };
    expect(await postgres.timeseries('hour', range, 0)).toEqual(
      await sqlite.timeseries('hour', range, 0),
    );
    for (const offset of OFFSETS) {
      for (const span of [range, within]) {
        const [lite, pg] = await Promise.all(
          [sqlite, postgres].map((store) => store.timeseries('day', span, offset)),
        );
        expect({ offset, span, points: pg }).toEqual({ offset, span, points: lite });
        expect(lite.reduce((sum, point) => sum + point.messages, 0)).toBeGreaterThan(0);
      }
    }
  });
});
