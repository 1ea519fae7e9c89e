import type { AddressInfo } from 'node:net';
import {
  formatFuzzSummary,
  FuzzSummary,
  generateFuzzRequests,
  runFuzz,
  unreadableKeys,
} from '../scripts/webhook-fuzz';
import {
  ADMIN_TOKEN,
  createTestApp,
  removeDataDir,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/test-app';

const SEED = 20240508;
const COUNT = 10_000;

describe('the webhook generator', () => {
  const fingerprint = (seed: number): string[] =>
    [...generateFuzzRequests(seed, 300)].map(
      (request) =>
        `${request.label}|${request.auth}|${JSON.stringify(request.headers)}|${request.body.toString('base64')}`,
    );

  it('gives the same requests for a seed, and others for another seed', () => {
    expect(fingerprint(SEED)).toEqual(fingerprint(SEED));
    expect(fingerprint(SEED + 1)).not.toEqual(fingerprint(SEED));
  });
});

describe(`fuzz: ${COUNT} generated and mutated bodies against the real app`, () => {
  let t: TestApp;
  let base: string;
  let summary: FuzzSummary;
  let rowsBefore: number;

  const countRows = async (): Promise<number> =>
    Number(
      (
        await t.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    rowsBefore = await countRows();
    summary = await runFuzz({
      url: `${base}/message/forward`,
      token: WEBHOOK_TOKEN,
      seed: SEED,
      count: COUNT,
    });
    console.log(formatFuzzSummary(summary));
  }, 120_000);

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('every request got an answer, none a 5xx, every 200 accepted or duplicate', () => {
    expect(summary.requests).toBe(COUNT);
    expect(summary.failures).toEqual([]);
    expect(Object.keys(summary.byStatus).filter((status) => Number(status) >= 500)).toEqual([]);
  });

  it('exercised every kind of answer', () => {
    for (const code of [
      '200 accepted',
      '200 duplicate',
      '400 WEBHOOK.INVALID_PAYLOAD',
      '400 WEBHOOK.MALFORMED_JSON',
      '401 WEBHOOK.UNAUTHORIZED',
      '413 WEBHOOK.PAYLOAD_TOO_LARGE',
      '415 WEBHOOK.UNSUPPORTED_MEDIA_TYPE',
    ]) {
      expect(summary.byCode[code]).toBeGreaterThan(0);
    }
    expect(summary.acceptedKeys.length).toBeGreaterThan(COUNT / 5);
  });

  it('stored a row for each accepted answer and none for anything else', async () => {
    expect(await countRows()).toBe(rowsBefore + summary.acceptedKeys.length);
  });

  it('can read every accepted message back by its key', async () => {
    expect(await unreadableKeys(base, ADMIN_TOKEN, summary.acceptedKeys)).toEqual([]);
  }, 60_000);
});
