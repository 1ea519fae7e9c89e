import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { APP_MIGRATIONS } from '../../src/app.schema';
import { PostgresDeliveryStore } from '../../src/delivery/sql-delivery-store';
import { PostgresNotificationLog } from '../../src/notifications/sql-notification-log';
import type { Database } from '../../src/storage/database';
import { openPostgres } from '../../src/storage/postgres/open-postgres';
import { storeEnv } from '../support/store';

/**
 * Several instances on one PostgreSQL, as pools of their own in one process:
 * what SQLite got for free from taking writers in turn must hold here too.
 */
async function instances(name: string, count: number): Promise<Database[]> {
  const { DATABASE_URL: url } = await storeEnv(`/pg-${name}`);
  return Promise.all(
    Array.from({ length: count }, () =>
      openPostgres({
        url,
        poolSize: 4,
        statementTimeoutMs: 10_000,
        busyTimeoutMs: 5_000,
        migrations: APP_MIGRATIONS,
      }),
    ),
  );
}

describe('several instances on one PostgreSQL', () => {
  let open: Database[] = [];
  afterEach(async () => {
    await Promise.all(open.map((db) => db.destroy()));
    open = [];
  });

  it('migrates once when three instances start together', async () => {
    open = await instances('migrate', 3);
    const { rows } = await sql<{ name: string; count: number }>`
      select name, count(*)::int as count from kysely_migration group by name`.execute(open[0]);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((row) => row.count === 1)).toBe(true);
  });

  it('lets no two instances take the last places of a notification throttle', async () => {
    open = await instances('throttle', 2);
    const logs = open.map((db) => new PostgresNotificationLog(db));
    const now = Date.now();
    // 2 × 40 attempts at once on one (rule, conversation), 3 allowed: a count
    // then an insert without the lock lets each instance take all three.
    const ids = await Promise.all(
      Array.from({ length: 80 }, (_, n) =>
        logs[n % 2].begin(
          {
            deliveryId: randomUUID(),
            rule: 'after-hours',
            channel: 'webhook',
            eventName: 'message.received',
            messageKey: `m-${n}`,
            throttleKey: 'conversation-1',
          },
          now,
          { max: 3, windowMs: 60_000 },
        ),
      ),
    );
    expect(ids.filter((id) => id !== null)).toHaveLength(3);
    const { rows } = await sql<{ status: string; count: number }>`
      select status, count(*)::int as count from notification_log group by status order by status`.execute(
      open[0],
    );
    expect(rows).toEqual([
      { status: 'sending', count: 3 },
      { status: 'throttled', count: 77 },
    ]);
  });

  it('hands each due delivery to one instance when both claim at once', async () => {
    open = await instances('claim', 2);
    const stores = open.map((db) => new PostgresDeliveryStore(db));
    const now = Date.now();
    const due = Array.from({ length: 600 }, (_, n) => ({
      id: randomUUID(),
      messageKey: `m-${n}`,
      eventName: 'message.received',
      eventId: randomUUID(),
      listener: 'counter',
    }));
    await stores[0].schedule(due, now - 1);
    const claimedBy = async (store: PostgresDeliveryStore): Promise<string[]> => {
      const ids: string[] = [];
      for (;;) {
        const claimed = await store.claimDue(Date.now(), Date.now() + 60_000, 25);
        if (claimed.length === 0) return ids;
        ids.push(...claimed.map((delivery) => delivery.id));
      }
    };
    const [first, second] = await Promise.all(stores.map(claimedBy));
    const both = first.filter((id) => second.includes(id));
    expect(both).toEqual([]);
    expect(new Set([...first, ...second]).size).toBe(600);
    // Both instances did claim: the rows were shared out, not queued on one.
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
  });

  it('keeps the outcome of the instance that took over an expired lease', async () => {
    open = await instances('lease', 2);
    const [a, b] = open.map((db) => new PostgresDeliveryStore(db));
    const now = Date.now();
    const id = randomUUID();
    await a.schedule(
      [
        {
          id,
          messageKey: 'm',
          eventName: 'message.received',
          eventId: randomUUID(),
          listener: 'slow',
        },
      ],
      now - 1,
    );
    const [claimedByA] = await a.claimDue(now, now + 5, 10);
    const heldByA = claimedByA.nextAttemptAt!.getTime();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A's lease ran out while its listener was still busy: B takes it over and finishes.
    const [claimedByB] = await b.claimDue(Date.now(), Date.now() + 60_000, 10);
    expect(claimedByB.id).toBe(id);
    const heldByB = claimedByB.nextAttemptAt!.getTime();
    const failure = {
      status: 'failed',
      error: 'timed out',
      nextAttemptAt: Date.now() + 1_000,
    } as const;
    await b.recordAttempts([
      {
        id,
        record: {
          heldUntil: heldByB,
          attempts: 1,
          startedAt: now,
          durationMs: 3,
          outcome: { status: 'done' },
        },
      },
    ]);
    // A comes back late: its failure must not undo B's success.
    await a.recordAttempts([
      {
        id,
        record: {
          heldUntil: heldByA,
          attempts: 1,
          startedAt: now,
          durationMs: 30,
          outcome: failure,
        },
      },
    ]);
    const stored = await a.findById(id);
    expect(stored).toMatchObject({ status: 'done', attempts: 1, lastDurationMs: 3 });
  });
});
