import type { AddressInfo } from 'node:net';
import type { MessageView } from '../src/admin/views/message.view';
import { runSimulation, SimulationSummary, trafficFor } from '../scripts/simulate/runner';
import { generateTraffic, SHARES } from '../scripts/traffic';
import { spawnNode } from './support/child-process';
import { expectedTotals } from './support/expected-totals';
import {
  createTestApp,
  eventually,
  removeDataDir,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/test-app';

/** Runs the CLI as `npm run simulate` does; resolves with its exit code and output. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // In a fresh directory: no data/secrets.json of the checkout stands in for a token.
    const child = spawnNode('scripts/simulate.ts', args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('traffic generator', () => {
  const options = { messages: 2000, conversations: 100, seed: 7, startTime: 1_700_000_000_000 };

  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateTraffic(options);
    expect(JSON.stringify(generateTraffic(options))).toBe(JSON.stringify(a));
    expect(JSON.stringify(generateTraffic({ ...options, seed: 8 }))).not.toBe(JSON.stringify(a));
  });

  it('has the mix of the issue', () => {
    const items = generateTraffic(options);
    const totals = expectedTotals(items);
    expect(items).toHaveLength(2000);
    expect(totals.redeliveries).toBe(Math.round(2000 * SHARES.redelivery));
    expect(items.filter((item) => item.redelivery)).toHaveLength(totals.redeliveries);
    expect(totals.activeConversations).toBe(100);
    expect(totals.offlineMessages / totals.messages).toBeGreaterThan(0.15);
    expect(totals.offlineMessages / totals.messages).toBeLessThan(0.25);
    expect(totals.attachments / totals.messages).toBeGreaterThan(0.05);
    expect(totals.attachments / totals.messages).toBeLessThan(0.11);
    expect(totals.systemMessages).toBeGreaterThan(0);
    expect(totals.senders).toBeGreaterThan(100); // every visitor, the agents and the bot

    // A redelivery is a later copy of an earlier payload, key and all.
    const firstSeen = new Map<string, number>();
    items.forEach((item, index) => {
      const first = firstSeen.get(item.payload.key);
      if (first === undefined) {
        expect(item.redelivery).toBe(false);
        firstSeen.set(item.payload.key, index);
      } else {
        expect(item.redelivery).toBe(true);
        expect(item.payload).toEqual(items[first].payload);
      }
    });

    for (const { payload } of items) {
      expect(payload.key).toMatch(
        /^5-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-\d{13}$/,
      );
      // Stamped before it is due: 50 ms to 30 s of webhook delay.
      expect(payload.timeStamp).toBeLessThanOrEqual(options.startTime - 50);
      expect(payload.timeStamp).toBeGreaterThanOrEqual(options.startTime - 30_000);
    }
  });
});

describe('simulator against the app', () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.http.address() as AddressInfo;
    url = `http://127.0.0.1:${port}/message/forward`;
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('sends the generated traffic and analytics counts exactly what it should', async () => {
    const options = {
      url,
      token: WEBHOOK_TOKEN,
      messages: 300,
      conversations: 20,
      rate: 0,
      concurrency: 8,
      seed: 'simulator-e2e',
      startTime: Date.now(),
    };
    const progress: number[] = [];
    const summary: SimulationSummary = await runSimulation({
      ...options,
      onProgress: (p) => progress.push(p.done),
      progressIntervalMs: 10,
    });
    const expected = expectedTotals(trafficFor(options));

    expect(summary).toMatchObject({
      sent: 300,
      failed: 0,
      rejected: [],
      networkErrors: [],
      unexpectedAnswers: 0,
      unexpectedDuplicates: 0,
      interrupted: false,
      planned: { requests: 300, redeliveries: expected.redeliveries, conversations: 20 },
    });
    expect(summary.accepted + summary.duplicate).toBe(summary.sent);
    expect(summary.duplicate).toBe(expected.redeliveries);
    expect(summary.accepted).toBe(expected.messages);
    expect(summary.latencyMs?.p50).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(300);

    // Listeners run after the answer: wait for the aggregates to catch up.
    await eventually(async () => {
      const { body } = await t.admin('/api/analytics/summary').expect(200);
      expect(body).toMatchObject({
        messages: expected.messages,
        attachments: expected.attachments,
        attachmentBytes: expected.attachmentBytes,
        offlineMessages: expected.offlineMessages,
        activeConversations: expected.activeConversations,
        conversationsStarted: expected.conversationsStarted,
        senders: expected.senders,
        attachmentsByContentType: expected.attachmentsByContentType,
        topConversations: expected.topConversations,
        topSenders: expected.topSenders,
      });
    }, 20_000);
  }, 60_000);

  it('stamps each message when it sends it, however long the run has taken', async () => {
    // Rate 0 plans every message due at the start; concurrency 1 sends each one
    // only after the previous one was stored and answered.
    const options = {
      url,
      token: WEBHOOK_TOKEN,
      messages: 30,
      conversations: 3,
      rate: 0,
      concurrency: 1,
      seed: 'stamped-when-sent',
      startTime: Date.now(),
    };
    expect(await runSimulation(options)).toMatchObject({ sent: 30, failed: 0 });

    const { body } = await t.admin('/api/messages?limit=500').expect(200);
    const stored = new Map(
      (body as { items: MessageView[] }).items.map((m) => [m.key, m] as const),
    );
    const originals = trafficFor(options).filter((item) => !item.redelivery);
    expect(originals.filter((item) => !stored.has(item.payload.key))).toEqual([]);
    let previousReceivedAt = -Infinity;
    for (const { payload, sendOffsetMs } of originals) {
      const message = stored.get(payload.key) as MessageView;
      // When the simulator stamped it: the stored stamp plus the delay it was planned with.
      const plannedDelay = options.startTime + sendOffsetMs - payload.timeStamp;
      const stampedAt = message.timeStamp + plannedDelay;
      const receivedAt = Date.parse(message.receivedAt);
      expect(stampedAt).toBeLessThanOrEqual(receivedAt);
      expect(stampedAt).toBeGreaterThanOrEqual(previousReceivedAt);
      previousReceivedAt = receivedAt;
    }
  }, 60_000);

  it('runs from the command line and prints the summary', async () => {
    const result = await cli([
      '--url',
      url,
      '--token',
      WEBHOOK_TOKEN,
      '--messages',
      '40',
      '--conversations',
      '5',
      '--rate',
      '0',
      '--seed',
      'cli',
    ]);
    // Not a terminal: no redrawn bar, at most a plain progress line every 2 s on a slow machine.
    expect(
      result.stderr.split('\n').filter((line) => line && !/^\[simulate\] \d+\/40 /.test(line)),
    ).toEqual([]);
    expect(result.stdout).toMatch(/Simulation finished/);
    expect(result.stdout).toMatch(/sent\s+40\b/);
    expect(result.stdout).toMatch(/duplicate\s+2\b/);
    expect(result.stdout).toMatch(/OK: every request got its expected answer/);
    expect(result.code).toBe(0);
  }, 60_000);

  it('exits 1 when requests fail (a wrong token)', async () => {
    const result = await cli([
      '--url',
      url,
      '--token',
      'not-the-token-0123456789',
      '--messages',
      '5',
      '--json',
      '--quiet',
    ]);
    const summary = JSON.parse(result.stdout) as SimulationSummary;
    expect(summary.rejected).toEqual([
      expect.objectContaining({ status: 401, code: 'WEBHOOK.UNAUTHORIZED', count: 5 }),
    ]);
    expect(result.code).toBe(1);
  }, 60_000);
});

describe('simulator command line', () => {
  it.each([
    [['--messages', 'many']],
    [['--bogus']],
    [['--rate', '-1']],
    [['--url', 'ftp://example.com/']],
  ])(
    'exits 2 with the usage for %j',
    async (args) => {
      const result = await cli([...args, '--token', 'some-token-0123456789']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^simulate: /);
      expect(result.stderr).toContain('usage: npm run simulate -- [options]');
      expect(result.stdout).toBe('');
    },
    60_000,
  );

  it('exits 2 when there is no token to be found', async () => {
    const result = await cli(['--messages', '10'], { DATA_DIR: '/nonexistent-kommhook-data' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no webhook token');
  }, 60_000);
});
