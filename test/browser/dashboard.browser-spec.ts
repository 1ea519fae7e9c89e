import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { baseChildEnv } from '../support/child-process';
import { HttpRecorder } from '../support/http-recorder';
import {
  ADMIN_TOKEN,
  createTestApp,
  eventually,
  message,
  removeDataDir,
  TestApp,
  TestMessage,
} from '../support/test-app';

/*
 * The functions passed to page.evaluate run in Chromium. This program's lib has
 * no DOM, so they see the browser through these few module-local declarations.
 */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly width: number;
  readonly height: number;
}
interface ChartLike {
  readonly data: { datasets: { label: string; data: number[] }[] };
}
declare const document: {
  readonly body: PageElement;
  readonly documentElement: { readonly scrollWidth: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
};
declare const sessionStorage: {
  readonly length: number;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};
declare const window: {
  readonly innerWidth: number;
  scrollTo(x: number, y: number): void;
  readonly Chart: { getChart(canvas: PageElement): ChartLike | undefined };
};

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const OFFLINE_LISTENER = 'notifications.offline-webhook.webhook';

const png = (size: number) => ({
  url: 'https://files.test/photo.png',
  name: 'photo.png',
  contentType: 'image/png',
  size,
});
const pdf = (size: number) => ({
  url: 'https://files.test/invoice.pdf',
  name: 'invoice.pdf',
  contentType: 'application/pdf',
  size,
});

/**
 * The traffic the dashboard must show: four conversations, five senders, three
 * messages sent while nobody was online (each becomes a dead offline-webhook
 * delivery, the sink answering 400), two PNGs and a PDF.
 */
const traffic: TestMessage[] = [
  message({ groupId: 101, from: 'alice', receiverConnected: false }),
  message({ groupId: 101, from: 'agent', receiverConnected: true }),
  message({ groupId: 101, from: 'alice', receiverConnected: true, file: png(2048) }),
  message({ groupId: 101, from: 'alice', receiverConnected: true }),
  message({ groupId: 102, from: 'bob', receiverConnected: false, file: pdf(50_000) }),
  message({ groupId: 102, from: 'bob', receiverConnected: true }),
  message({ groupId: 103, from: 'carol', receiverConnected: false }),
  message({ groupId: 104, from: 'dave', receiverConnected: true, file: png(1024) }),
];
const offline = traffic.filter((m) => m.receiverConnected === false);

const expected = {
  messages: 8,
  conversationsStarted: 4,
  activeConversations: 4,
  senders: 5,
  offlineShare: 3 / 8,
  attachments: 3,
  topConversations: [
    ['group:101', 4],
    ['group:102', 2],
    ['group:103', 1],
    ['group:104', 1],
  ],
  topSenders: [
    ['alice', 3],
    ['bob', 2],
    ['agent', 1],
    ['carol', 1],
    ['dave', 1],
  ],
  attachmentsByType: [
    ['image/png', 2, 3072],
    ['application/pdf', 1, 50_000],
  ],
};

interface Summary {
  messages: number;
  conversationsStarted: number;
  webhookDelayMs: { p50: number | null; p95: number | null };
}

interface DeliveryPage {
  items: { id: string; messageKey: string; listener: string; status: string }[];
}

/** What the page shows of a table: each row's data attributes, as the test ids name them. */
const rowsOf = (page: Page, testId: string, attributes: string[]) =>
  page.evaluate(
    ([selector, names]) =>
      Array.from(document.querySelectorAll(selector)).map((row) =>
        names.map((name) => row.dataset[name]),
      ),
    [`[data-testid="${testId}"]`, attributes] as const,
  );

const stat = async (page: Page, testId: string) => {
  const card = page.getByTestId(testId);
  return {
    value: await card.getAttribute('data-value'),
    text: (await card.locator('.value').textContent())?.trim(),
  };
};

const refreshes = (page: Page) =>
  page.evaluate(() => Number(document.body.dataset.refreshes ?? '0'));

/** Waits for the page to finish a refresh after `count` of them. */
const refreshedAfter = (page: Page, count: number) =>
  page.waitForFunction((n) => Number(document.body.dataset.refreshes ?? '0') > n, count);

describe('dashboard in a real browser', () => {
  let t: TestApp;
  let sink: HttpRecorder;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  const watch = (p: Page): void => {
    p.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    p.on('console', (msg) => {
      // The 401s and the 404s these tests provoke are logged by Chromium as failed
      // resources; anything else (a CSP violation, a script error) fails the suite.
      if (msg.type() === 'error' && !/status of 40[14] /.test(msg.text())) {
        pageErrors.push(`console: ${msg.text()}`);
      }
    });
  };

  const signIn = async (p: Page, token: string): Promise<void> => {
    await p.getByTestId('token-input').fill(token);
    await p.getByTestId('token-submit').click();
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium); .ci/run does this before npm run test:browser.`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });

    sink = await HttpRecorder.start();
    sink.reply = () => ({ status: 400, body: 'rejected' });
    t = await createTestApp({ env: { NOTIFY_WEBHOOK_URL: sink.url, RETRY_SCHEDULE: '100ms' } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;

    for (const payload of traffic) await t.deliver(payload).expect(200);
    // Listeners run after the answer: wait until the aggregates and the dead letters are in.
    await eventually(async () => {
      const summary = (await t.admin('/api/analytics/summary').expect(200)).body as Summary;
      expect(summary).toMatchObject({ messages: 8, conversationsStarted: 4 });
      const dead = (await t.admin('/api/deliveries?status=dead').expect(200)).body as DeliveryPage;
      expect(dead.items).toHaveLength(offline.length);
    }, 15_000);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Not the shell's environment (proxies and all): the page reaches only 127.0.0.1.
      env: baseChildEnv(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    desktop = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      // A whole-hour offset, so the page sends it as tz.
      timezoneId: 'Europe/Berlin',
    });
    page = await desktop.newPage();
    page.setDefaultTimeout(15_000);
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
    if (t) removeDataDir(t.dataDir);
  });

  it('serves the page with a strict CSP and asks for the token', async () => {
    const response = await page.goto(`${base}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'self'/);
    await expect(page.getByTestId('login').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('dashboard').isVisible()).resolves.toBe(false);
  });

  it('refuses a wrong token with a message and stays on the prompt', async () => {
    await signIn(page, 'not-the-admin-token-000000');
    await page.getByTestId('login-message').filter({ hasText: 'refused' }).waitFor();
    await expect(page.getByTestId('login').isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);
  });

  it('shows the exact numbers of the traffic in the stat cards', async () => {
    const before = await refreshes(page);
    const timeseriesRequest = page.waitForRequest(/\/api\/analytics\/timeseries\?/);
    await signIn(page, ADMIN_TOKEN);
    await refreshedAfter(page, before);
    await expect(page.getByTestId('dashboard').isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => sessionStorage.getItem('kommhook.adminToken'))).resolves.toBe(
      ADMIN_TOKEN,
    );
    // The browser's whole-hour offset went along as tz.
    const tz = new URL((await timeseriesRequest).url()).searchParams.get('tz');
    expect(tz).toMatch(/^\+0[12]:00$/);

    expect(await stat(page, 'stat-messages')).toEqual({ value: '8', text: '8' });
    expect(await stat(page, 'stat-conversations-started')).toEqual({ value: '4', text: '4' });
    expect(await stat(page, 'stat-active-conversations')).toEqual({ value: '4', text: '4' });
    expect(await stat(page, 'stat-senders')).toEqual({ value: '5', text: '5' });
    expect(await stat(page, 'stat-offline-share')).toEqual({
      value: String(expected.offlineShare),
      text: '37.5%',
    });
    expect(await stat(page, 'stat-attachments')).toEqual({ value: '3', text: '3' });
    await expect(page.getByTestId('stat-attachments').locator('.hint').textContent()).resolves.toBe(
      '53.1 kB',
    );

    // The delay cards show what the API computed (each message was sent a second before).
    const summary = (await t.admin('/api/analytics/summary').expect(200)).body as Summary;
    expect(summary.webhookDelayMs.p50).not.toBeNull();
    expect(await page.getByTestId('stat-delay-p50').getAttribute('data-value')).toBe(
      String(summary.webhookDelayMs.p50),
    );
    expect(await page.getByTestId('stat-delay-p95').getAttribute('data-value')).toBe(
      String(summary.webhookDelayMs.p95),
    );
    for (const id of ['stat-delay-p50', 'stat-delay-p95']) {
      expect((await stat(page, id)).text).toMatch(/^\d+(\.\d)? (ms|s)$/);
    }

    // No card reports an error.
    expect(await page.locator('[data-error]:visible').count()).toBe(0);
  });

  it('lists the top conversations and senders with their counts', async () => {
    expect(await rowsOf(page, 'top-conversation-row', ['key', 'messages'])).toEqual(
      expected.topConversations.map(([key, count]) => [key, String(count)]),
    );
    expect(await rowsOf(page, 'top-sender-row', ['key', 'messages'])).toEqual(
      expected.topSenders.map(([key, count]) => [key, String(count)]),
    );
    // And shows them: the first row reads "group:101 … 4".
    const first = page.getByTestId('top-conversation-row').first();
    await expect(first.locator('td').first().textContent()).resolves.toBe('group:101');
    await expect(first.locator('td.num').textContent()).resolves.toBe('4');
  });

  it('draws the messages chart and the attachments chart with the numbers sent', async () => {
    const chart = page.getByTestId('messages-chart');
    expect(await chart.getAttribute('data-bucket')).toBe('hour');
    expect(await chart.getAttribute('data-points')).toBe('48');
    expect(await chart.getAttribute('data-total')).toBe('8');
    expect(await chart.getAttribute('data-total-conversations-started')).toBe('4');
    const tableTotal = (await rowsOf(page, 'messages-row', ['messages'])).reduce(
      (sum, [count]) => sum + Number(count),
      0,
    );
    expect(tableTotal).toBe(8);

    // What Chart.js itself holds and drew.
    const drawn = await page.evaluate(() => {
      const canvas = document.querySelector('#messages-canvas')!;
      const instance = window.Chart.getChart(canvas);
      return {
        width: canvas.width,
        height: canvas.height,
        sums: instance?.data.datasets.map((d) => [d.label, d.data.reduce((a, b) => a + b, 0)]),
      };
    });
    expect(drawn.width).toBeGreaterThan(300);
    expect(drawn.height).toBeGreaterThan(100);
    expect(drawn.sums).toEqual([
      ['Messages', 8],
      ['Conversations started', 4],
    ]);

    expect(await rowsOf(page, 'attachment-row', ['contentType', 'attachments', 'bytes'])).toEqual(
      expected.attachmentsByType.map((row) => row.map(String)),
    );
    expect(await page.getByTestId('attachments-chart').getAttribute('data-total')).toBe('3');
  });

  it('switches between hours and days', async () => {
    const chart = page.getByTestId('messages-chart');
    const dayRequest = page.waitForRequest(/\/api\/analytics\/timeseries\?.*bucket=day/);
    await page.getByTestId('bucket-day').click();
    await dayRequest;
    await page.waitForFunction(() => {
      const figure = document.querySelector('[data-testid="messages-chart"]');
      return figure?.dataset.bucket === 'day';
    });
    expect(await page.getByTestId('bucket-day').getAttribute('aria-pressed')).toBe('true');
    expect(await chart.getAttribute('data-points')).toBe('30');
    expect(await chart.getAttribute('data-total')).toBe('8');
    expect(await stat(page, 'stat-messages')).toEqual({ value: '8', text: '8' });
    await expect(page.getByTestId('range-label').textContent()).resolves.toContain('30 days');

    await page.getByTestId('bucket-hour').click();
    await page.waitForFunction(() => {
      const figure = document.querySelector('[data-testid="messages-chart"]');
      return figure?.dataset.bucket === 'hour';
    });
    expect(await chart.getAttribute('data-points')).toBe('48');
    expect(await chart.getAttribute('data-total')).toBe('8');
  });

  it('lists the dead deliveries, and Retry takes one off the list', async () => {
    const dead = await rowsOf(page, 'dead-delivery-row', ['listener', 'messageKey', 'status']);
    expect(dead).toHaveLength(offline.length);
    expect(dead.map(([, key]) => key).sort()).toEqual(offline.map((m) => m.key).sort());
    for (const [listener, , status] of dead) {
      expect(listener).toBe(OFFLINE_LISTENER);
      expect(status).toBe('dead');
    }
    expect(await page.getByTestId('dead-count').getAttribute('data-count')).toBe('3');
    await expect(
      page.getByTestId('dead-delivery-row').first().locator('td.error-text').textContent(),
    ).resolves.toMatch(/400/);

    // The receiver is fixed: the retried delivery succeeds and does not come back.
    sink.reply = () => ({ status: 200, body: 'ok' });
    const target = offline[1];
    const row = page.locator(`[data-testid="dead-delivery-row"][data-message-key="${target.key}"]`);
    const id = await row.getAttribute('data-id');
    await row.getByTestId('retry').click();
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('deliveries-notice').filter({ hasText: 'Retry scheduled' }).waitFor();
    expect(await page.getByTestId('dead-delivery-row').count()).toBe(offline.length - 1);

    await eventually(async () => {
      const delivery = (await t.admin(`/api/messages/${target.key}`).expect(200)).body as {
        deliveries: { id: string; status: string }[];
      };
      expect(delivery.deliveries.find((d) => d.id === id)?.status).toBe('done');
    }, 10_000);
    expect(
      sink.requests.some((r) => (r.json as { key?: string } | undefined)?.key === target.key),
    ).toBe(true);

    // Still gone after a manual refresh.
    const before = await refreshes(page);
    await page.getByTestId('refresh').click();
    await refreshedAfter(page, before);
    expect(await page.locator(`[data-testid="dead-delivery-row"][data-id="${id}"]`).count()).toBe(
      0,
    );
    expect(await page.getByTestId('dead-delivery-row').count()).toBe(offline.length - 1);
    await expect(page.getByTestId('last-updated').textContent()).resolves.toMatch(/^Updated /);
  });

  it('saves a full-page screenshot at 1280 px', async () => {
    // From the top, so the sticky top bar sits where a person first sees it.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'dashboard.png'))).toBe(true);
  });

  it('refreshes itself: new traffic appears without a click', async () => {
    const extra = message({ groupId: 104, from: 'dave', receiverConnected: true });
    await t.deliver(extra).expect(200);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="stat-messages"]')?.dataset.value === '9',
      undefined,
      { timeout: 25_000 },
    );
    expect(await page.getByTestId('messages-chart').getAttribute('data-total')).toBe('9');
  });

  it('shows an error in the one card whose endpoint fails, and keeps the others', async () => {
    const route = '**/api/analytics/top?*';
    await page.route(route, (r) =>
      r.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({
          statusCode: 404,
          code: 'HTTP.NOT_FOUND',
          message: 'No such route.',
        }),
      }),
    );
    try {
      const before = await refreshes(page);
      await page.getByTestId('refresh').click();
      await refreshedAfter(page, before);
      await expect(page.getByTestId('error-top-conversations').textContent()).resolves.toMatch(
        /404/,
      );
      expect(await page.getByTestId('error-top-senders').isVisible()).toBe(true);
      expect(await page.getByTestId('top-conversation-row').count()).toBe(0);
      expect(await page.getByTestId('error-summary').isVisible()).toBe(false);
      expect(await stat(page, 'stat-messages')).toEqual({ value: '9', text: '9' });
      expect(await page.getByTestId('dead-delivery-row').count()).toBe(offline.length - 1);
    } finally {
      await page.unroute(route);
    }
    const before = await refreshes(page);
    await page.getByTestId('refresh').click();
    await refreshedAfter(page, before);
    expect(await page.getByTestId('error-top-conversations').isVisible()).toBe(false);
    expect(await page.getByTestId('top-conversation-row').count()).toBe(4);
  });

  it('goes back to the token prompt with a message on a 401, and signs out', async () => {
    await page.evaluate(() => sessionStorage.setItem('kommhook.adminToken', 'revoked-token-0000'));
    await page.getByTestId('refresh').click();
    await page.getByTestId('login-message').filter({ hasText: 'refused' }).waitFor();
    await expect(page.getByTestId('dashboard').isVisible()).resolves.toBe(false);
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);

    await signIn(page, ADMIN_TOKEN);
    await page.getByTestId('dashboard').waitFor();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('login').waitFor();
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);
    // Nothing of the data is left on the page.
    expect(await page.getByTestId('top-conversation-row').count()).toBe(0);
    expect(await page.getByTestId('stat-messages').getAttribute('data-value')).toBeNull();
  });

  it('reads on a phone: no horizontal overflow at 390 px', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'en-US',
    });
    try {
      const mobile = await phone.newPage();
      mobile.setDefaultTimeout(15_000);
      watch(mobile);
      await mobile.goto(`${base}/dashboard`);
      await signIn(mobile, ADMIN_TOKEN);
      await refreshedAfter(mobile, 0);
      expect(await stat(mobile, 'stat-messages')).toEqual({ value: '9', text: '9' });
      await mobile.getByTestId('dead-delivery-row').first().waitFor();

      const widths = await mobile.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      expect(widths.inner).toBe(390);
      expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
      // The Retry buttons stay on screen, not in a scrolled-away column.
      const box = await mobile.getByTestId('retry').first().boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);

      await mobile.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
