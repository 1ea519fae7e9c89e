import { AppModule } from '../src/app.module';
import {
  createTestApp,
  message,
  newDataDir,
  removeDataDir,
  setServiceEnv,
  TestApp,
} from './support/test-app';

const LIMIT = 3;

/** Statuses of `count` webhooks, each with the X-Forwarded-For `forwardedFor(i)`. */
async function statuses(
  t: TestApp,
  count: number,
  forwardedFor: (i: number) => string,
): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await t.deliver(message()).set('X-Forwarded-For', forwardedFor(i));
    result.push(response.status);
  }
  return result;
}

const limited = (count: number): number[] =>
  Array.from({ length: count }, (_, i) => (i < LIMIT ? 200 : 429));

async function withApp(trustProxy: string | undefined, run: (t: TestApp) => Promise<void>) {
  const t = await createTestApp({
    env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: trustProxy },
  });
  try {
    await run(t);
  } finally {
    await t.close();
    removeDataDir(t.dataDir);
  }
}

// The tests reach the app from 127.0.0.1: that address plays the proxy.
describe('TRUST_PROXY: the rate limit keys on the first address no trusted proxy wrote', () => {
  it('unset: X-Forwarded-For is ignored, rotating it does not escape the limit', async () => {
    await withApp(undefined, async (t) => {
      expect(await statuses(t, 8, (i) => `198.51.100.${i}`)).toEqual(limited(8));
    });
  });

  it('true means one proxy: rotating what the client writes does not escape the limit', async () => {
    await withApp('true', async (t) => {
      // The client writes the first entry; the proxy appends the address it saw.
      expect(await statuses(t, 8, (i) => `198.51.100.${i}, 203.0.113.7`)).toEqual(limited(8));
    });
  });

  it('a hop count of 2 takes the address the outer of two proxies saw', async () => {
    await withApp('2', async (t) => {
      expect(await statuses(t, 8, (i) => `198.51.100.${i}, 203.0.113.7, 10.0.0.2`)).toEqual(
        limited(8),
      );
    });
  });

  it('a trusted proxy address gives each real client its own limit', async () => {
    await withApp('10.0.0.0/8,127.0.0.1,::1', async (t) => {
      expect(await statuses(t, 5, (i) => `198.51.100.${i}, 203.0.113.7`)).toEqual(limited(5));
      // Another client behind the same proxy still has its whole budget.
      expect(await statuses(t, 5, () => '203.0.113.8')).toEqual(limited(5));
      // And trusted hops in between are skipped over.
      expect(await statuses(t, 1, () => '203.0.113.9, 10.1.2.3')).toEqual([200]);
    });
  });

  it('an untrusted peer is the client, whatever X-Forwarded-For says', async () => {
    await withApp('10.0.0.1', async (t) => {
      expect(await statuses(t, 2, () => '203.0.113.7')).toEqual([200, 200]);
      expect(await statuses(t, 2, () => '203.0.113.8')).toEqual([200, 429]);
    });
  });

  it.each(['yes', '-1', '10.0.0.0/33', 'example.com', '10.0.0.1,*'])(
    'TRUST_PROXY=%s stops the start with a message naming it',
    async (value) => {
      const dataDir = newDataDir();
      setServiceEnv({ DATA_DIR: dataDir, TRUST_PROXY: value });
      try {
        await expect(AppModule.forRoot()).rejects.toThrow(
          /^Invalid configuration:\n {2}TRUST_PROXY: must be false, true \(one proxy\), a number of proxy hops/,
        );
      } finally {
        removeDataDir(dataDir);
      }
    },
  );
});
