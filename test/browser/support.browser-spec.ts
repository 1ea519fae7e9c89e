import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { baseChildEnv } from '../support/child-process';
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
}
declare const document: {
  readonly body: PageElement;
  readonly documentElement: { readonly scrollWidth: number };
  readonly activeElement: PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
};
declare function getComputedStyle(element: PageElement): { readonly backgroundColor: string };
declare const window: {
  readonly innerWidth: number;
  scrollTo(x: number, y: number): void;
};

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const TIME_ZONE = 'Europe/Berlin';
const MIN = 60_000;
const HOUR = 60 * MIN;

interface Figures {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  meanMs: number | null;
}
interface Distribution extends Figures {
  buckets: { label: string; count: number }[];
}
type Clocked<T> = { wall: T; business: T };
interface SupportSummary {
  sessions: { started: number; customerInitiated: number; unanswered: number };
  firstResponse: Clocked<Figures>;
  reply: Clocked<Figures>;
}
interface ResponseTimes {
  firstResponse: Clocked<Distribution>;
  reply: Clocked<Distribution>;
}
interface Heatmap {
  tz: string;
  days: string[];
  cells: number[][];
  total: number;
}
interface Waits {
  items: {
    conversationKey: string;
    customerMessageKey: string;
    waitMs: number;
    answered: boolean;
  }[];
}

/** The hour the test's messages are placed back from: a whole hour, so the heatmap cells are known. */
const ANCHOR = Math.floor(Date.now() / HOUR) * HOUR;

/**
 * Four conversations of the last day and a half, agents matched by SUPPORT_AGENTS=agent-*:
 * first responses of 2, 20 and 90 minutes, one more reply of 5 minutes, and a customer
 * still waiting. Reply times (every wait an agent ended): 2, 5, 20, 90 minutes.
 */
const script: [groupId: number, from: string, at: number][] = [
  [301, 'cust-a', ANCHOR - 20 * HOUR],
  [301, 'agent-ann', ANCHOR - 20 * HOUR + 2 * MIN],
  [301, 'cust-a', ANCHOR - 20 * HOUR + 10 * MIN],
  [301, 'agent-ann', ANCHOR - 20 * HOUR + 15 * MIN],
  [302, 'cust-b', ANCHOR - 30 * HOUR],
  [302, 'agent-bob', ANCHOR - 30 * HOUR + 20 * MIN],
  [303, 'cust-c', ANCHOR - 8 * HOUR],
  [303, 'agent-ann', ANCHOR - 8 * HOUR + 90 * MIN],
  [304, 'cust-d', ANCHOR - 3 * HOUR],
];

const expected = {
  sessions: 4,
  unanswered: 1,
  // 2, 20, 90 min: the median is the middle one; P90 interpolates 80% of the way to 90.
  firstResponseMedian: 20 * MIN,
  firstResponseP90: 76 * MIN,
  // 2, 5, 20, 90 min: the median halfway between 5 and 20.
  replyMedian: 12.5 * MIN,
  replyP90: 69 * MIN,
  firstResponseBuckets: [0, 1, 0, 1, 1, 0, 0],
  // A bucket holds its lower bound: 5 minutes is in 5-15m.
  replyBuckets: [0, 1, 1, 1, 1, 0, 0],
};

/** Weekday (mon … sun) and hour of a time in a zone, computed here, not by the app. */
function localSlot(ms: number, timeZone: string): { day: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('weekday').toLowerCase(), hour: Number(part('hour')) };
}

/** Each row's data attributes, as the test ids name them. */
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

const refreshedAfter = (page: Page, count: number) =>
  page.waitForFunction((n) => Number(document.body.dataset.refreshes ?? '0') > n, count);

describe('dashboard Support tab in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let base: string;
  /** The range the page asked the support routes for, as it sent it. */
  let since: string;
  const sent: TestMessage[] = [];
  const pageErrors: string[] = [];

  const get = async <T>(path: string): Promise<T> => (await t.admin(path).expect(200)).body as T;

  const watch = (p: Page): void => {
    p.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    p.on('console', (msg) => {
      // A 404 from a route this branch may not have yet is logged as a failed resource.
      if (msg.type() === 'error' && !/status of 404 /.test(msg.text())) {
        pageErrors.push(`console: ${msg.text()}`);
      }
    });
  };

  const signIn = async (p: Page): Promise<void> => {
    await p.getByTestId('token-input').fill(ADMIN_TOKEN);
    await p.getByTestId('token-submit').click();
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium); .ci/run does this before npm run test:browser.`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });

    t = await createTestApp({ env: { SUPPORT_AGENTS: 'agent-*' } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;

    for (const [groupId, from, at] of script) {
      const payload = message({
        groupId,
        clientGroupId: undefined,
        from,
        timeStamp: at,
        message: `${from} at ${new Date(at).toISOString()}`,
      });
      await t.deliver(payload).expect(200);
      sent.push(payload);
    }
    // The support listener runs after the answer: wait until every message is in its sessions.
    await eventually(async () => {
      for (const status of ['pending', 'running', 'failed', 'dead']) {
        const open = await get<{ items: unknown[] }>(
          `/api/deliveries?status=${status}&listener=support.sessions`,
        );
        expect(open.items).toEqual([]);
      }
      const summary = await get<SupportSummary>('/api/support/summary');
      expect(summary.sessions.started).toBe(expected.sessions);
      expect(summary.reply.wall.count).toBe(4);
    }, 15_000);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
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
      timezoneId: TIME_ZONE,
      acceptDownloads: true,
    });
    page = await desktop.newPage();
    page.setDefaultTimeout(15_000);
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (t) removeDataDir(t.dataDir);
  });

  it('opens the Support tab: a selected tab button, its panel shown, the overview hidden', async () => {
    await page.goto(`${base}/dashboard`);
    await signIn(page);
    await refreshedAfter(page, 0);
    expect(await page.getByTestId('tab-overview').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('panel-support').isVisible()).toBe(false);

    const before = await refreshes(page);
    const heatmapRequest = page.waitForRequest(/\/api\/support\/heatmap\?/);
    await page.getByTestId('tab-support').click();
    const url = new URL((await heatmapRequest).url());
    await refreshedAfter(page, before);

    expect(await page.getByTestId('tab-support').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('tab-overview').getAttribute('aria-selected')).toBe('false');
    expect(await page.getByTestId('panel-support').isVisible()).toBe(true);
    expect(await page.getByTestId('panel-overview').isVisible()).toBe(false);
    // The browser's own zone and the toolbar's range (the last 48 hours from a whole hour).
    expect(url.searchParams.get('tz')).toBe(TIME_ZONE);
    since = url.searchParams.get('since') ?? '';
    expect(Date.parse(since)).toBe(ANCHOR - 47 * HOUR);
    await expect(page.getByTestId('range-label').textContent()).resolves.toMatch(
      /^Last 48 hours · since /,
    );
    expect(await page.locator('[data-error]:visible').count()).toBe(0);
  });

  it('draws the heatmap with the counts the API gives, in the browser time zone', async () => {
    const api = await get<Heatmap>(
      `/api/support/heatmap?since=${encodeURIComponent(since)}&tz=${TIME_ZONE}`,
    );
    const cells = await rowsOf(page, 'heatmap-cell', ['day', 'hour', 'count']);
    expect(cells).toHaveLength(7 * 24);
    const shown = api.days.map(() => new Array<number>(24).fill(-1));
    for (const [day, hour, count] of cells)
      shown[api.days.indexOf(day!)][Number(hour)] = Number(count);
    expect(shown).toEqual(api.cells);

    // And they are the customer messages sent, placed by this test's own clock arithmetic.
    const own = api.days.map(() => new Array<number>(24).fill(0));
    for (const [, from, at] of script) {
      if (!from.startsWith('cust-')) continue;
      const { day, hour } = localSlot(at, TIME_ZONE);
      own[api.days.indexOf(day)][hour] += 1;
    }
    expect(shown).toEqual(own);
    expect(api.total).toBe(5);
    expect(await page.getByTestId('heatmap').getAttribute('data-total')).toBe('5');
    expect(await page.getByTestId('heatmap').getAttribute('data-tz')).toBe(TIME_ZONE);
    // A table a screen reader can walk: seven row headers, 24 column headers and a corner.
    expect(await page.locator('[data-testid="heatmap"] tbody th[scope="row"]').count()).toBe(7);
    expect(await page.locator('[data-testid="heatmap"] thead th[scope="col"]').count()).toBe(25);
    // The busiest cell is coloured, an empty one is not.
    const busy = page.locator('[data-testid="heatmap-cell"]:not([data-count="0"])').first();
    await expect(busy.textContent()).resolves.toBe('1');
    const colours = await page.evaluate(() => {
      const background = (selector: string) => {
        const cell = document.querySelector(selector);
        return cell ? getComputedStyle(cell).backgroundColor : null;
      };
      return {
        busy: background('[data-testid="heatmap-cell"]:not([data-count="0"])'),
        empty: background('[data-testid="heatmap-cell"][data-count="0"]'),
      };
    });
    expect(colours.empty).not.toBeNull();
    expect(colours.busy).not.toBe(colours.empty);
  });

  it('shows the headline figures the API computed, on the wall clock', async () => {
    const summary = await get<SupportSummary>(
      `/api/support/summary?since=${encodeURIComponent(since)}`,
    );
    expect(summary.firstResponse.wall).toMatchObject({
      medianMs: expected.firstResponseMedian,
      p90Ms: expected.firstResponseP90,
    });
    expect(summary.reply.wall).toMatchObject({
      medianMs: expected.replyMedian,
      p90Ms: expected.replyP90,
    });

    expect(await stat(page, 'stat-first-response-median')).toEqual({
      value: String(summary.firstResponse.wall.medianMs),
      text: '20.0 min',
    });
    expect(await stat(page, 'stat-first-response-p90')).toEqual({
      value: String(summary.firstResponse.wall.p90Ms),
      text: '1.3 h',
    });
    expect(await stat(page, 'stat-reply-median')).toEqual({
      value: String(summary.reply.wall.medianMs),
      text: '12.5 min',
    });
    expect(await stat(page, 'stat-reply-p90')).toEqual({
      value: String(summary.reply.wall.p90Ms),
      text: '1.1 h',
    });
    expect(await stat(page, 'stat-sessions')).toEqual({ value: '4', text: '4' });
    expect(await stat(page, 'stat-unanswered')).toEqual({ value: '1', text: '1' });
    await expect(
      page.getByTestId('stat-first-response-median').locator('.hint').textContent(),
    ).resolves.toBe('3 answered · wall clock');
  });

  it('draws the response-time distribution with the API buckets', async () => {
    const times = await get<ResponseTimes>(
      `/api/support/response-times?since=${encodeURIComponent(since)}`,
    );
    expect(times.firstResponse.wall.buckets.map((b) => b.count)).toEqual(
      expected.firstResponseBuckets,
    );
    expect(times.reply.wall.buckets.map((b) => b.count)).toEqual(expected.replyBuckets);
    expect(await rowsOf(page, 'distribution-row', ['label', 'firstResponses', 'replies'])).toEqual(
      times.firstResponse.wall.buckets.map((bucket, index) => [
        bucket.label,
        String(bucket.count),
        String(times.reply.wall.buckets[index].count),
      ]),
    );
    const chart = page.getByTestId('distribution-chart');
    expect(await chart.getAttribute('data-clock')).toBe('wall');
    expect(await chart.getAttribute('data-first-responses')).toBe('3');
    expect(await chart.getAttribute('data-replies')).toBe('4');
    expect(
      await page.getByTestId('distribution-chart').locator('canvas').getAttribute('aria-label'),
    ).toBe('3 first responses and 4 replies by time, wall clock');
  });

  it('lists the longest waits, the open one first, as the API orders them', async () => {
    const waits = await get<Waits>(
      `/api/support/waits?since=${encodeURIComponent(since)}&limit=10`,
    );
    const rows = await rowsOf(page, 'wait-row', ['conversation', 'messageKey', 'answered']);
    expect(rows).toEqual(
      waits.items.map((w) => [w.conversationKey, w.customerMessageKey, String(w.answered)]),
    );
    expect(rows.map(([conversation]) => conversation)).toEqual([
      'group:304',
      'group:303',
      'group:302',
      'group:301',
      'group:301',
    ]);
    const open = page.getByTestId('wait-row').first();
    await expect(open.locator('td').last().textContent()).resolves.toBe('Still waiting');
    await expect(open.getByTestId('wait-link').getAttribute('href')).resolves.toBe(
      '/api/messages?conversation=group%3A304',
    );
  });

  it('saves a full-page screenshot of the Support tab at 1280 px', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'support.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'support.png'))).toBe(true);
  });

  it('opens a wait conversation from its link, with the admin token', async () => {
    const link = page.locator('[data-testid="wait-row"][data-conversation="group:301"]').first();
    const waited = await link.getAttribute('data-message-key');
    await link.getByTestId('wait-link').click();
    const box = page.getByTestId('conversation');
    await box.getByTestId('conversation-message').first().waitFor();
    await expect(box.locator('h3').textContent()).resolves.toBe('group:301 · 4 messages');
    const keys = (await rowsOf(page, 'conversation-message', ['key'])).map(([key]) => key);
    expect(keys).toEqual(sent.filter((m) => m.groupId === 301).map((m) => m.key));
    // The message the wait started at is marked.
    expect(
      await page
        .locator(`[data-testid="conversation-message"][data-key="${waited}"]`)
        .getAttribute('class'),
    ).toBe('waited');
  });

  it('switches to business hours: the figures the API gives on that clock', async () => {
    await page.getByTestId('clock-business').click();
    expect(await page.getByTestId('clock-business').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('clock-wall').getAttribute('aria-pressed')).toBe('false');
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-testid="distribution-chart"]'))[0]?.dataset
          .clock === 'business',
    );
    const summary = await get<SupportSummary>(
      `/api/support/summary?since=${encodeURIComponent(since)}`,
    );
    const times = await get<ResponseTimes>(
      `/api/support/response-times?since=${encodeURIComponent(since)}`,
    );
    const value = (ms: number | null) => (ms === null ? null : String(ms));
    expect((await stat(page, 'stat-first-response-median')).value).toBe(
      value(summary.firstResponse.business.medianMs),
    );
    expect((await stat(page, 'stat-reply-median')).value).toBe(
      value(summary.reply.business.medianMs),
    );
    expect((await stat(page, 'stat-reply-p90')).value).toBe(value(summary.reply.business.p90Ms));
    expect(await rowsOf(page, 'distribution-row', ['label', 'firstResponses', 'replies'])).toEqual(
      times.firstResponse.business.buckets.map((bucket, index) => [
        bucket.label,
        String(bucket.count),
        String(times.reply.business.buckets[index].count),
      ]),
    );
    await expect(
      page.getByTestId('stat-reply-median').locator('.hint').textContent(),
    ).resolves.toBe('4 replies · business hours');
    await page.getByTestId('clock-wall').click();
    expect((await stat(page, 'stat-first-response-median')).value).toBe(
      String(expected.firstResponseMedian),
    );
  });

  it('downloads the sessions as CSV with the admin token, or shows why it cannot', async () => {
    const requested = page.waitForRequest(/\/api\/support\/sessions\?/);
    const download = page.waitForEvent('download', { timeout: 3_000 }).catch(() => null);
    await page.getByTestId('download-sessions').click();
    const request = await requested;
    expect(request.headers().authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    const url = new URL(request.url());
    expect(url.searchParams.get('format')).toBe('csv');
    expect(url.searchParams.get('since')).toBe(since);
    expect(Date.parse(url.searchParams.get('until') ?? '')).toBeGreaterThan(Date.parse(since));

    // The same request straight to the API says what the page must have done with it.
    const direct = await t.admin(url.pathname + url.search);
    if (direct.status === 200) {
      const file = await download;
      expect(file).not.toBeNull();
      const saved = readFileSync(await file!.path(), 'utf8');
      // An open wait is measured until now, so the rows may differ by a moment; the shape may not.
      const lines = (text: string) => text.trim().split(/\r?\n/);
      expect(lines(saved)[0]).toBe(lines(direct.text)[0]);
      expect(lines(saved)[0]).toMatch(/conversation/);
      expect(lines(saved)).toHaveLength(1 + expected.sessions);
      expect(file!.suggestedFilename()).toMatch(/\.csv$/);
      expect(await page.getByTestId('error-download').isVisible()).toBe(false);
    } else {
      // No such route on this server yet: the page says so and saves nothing.
      expect(direct.status).toBe(404);
      await page.getByTestId('error-download').filter({ hasText: '404' }).waitFor();
      await expect(page.getByTestId('error-download').textContent()).resolves.toBe(
        'This server does not offer it yet (404).',
      );
      expect(await download).toBeNull();
    }
  });

  it('saves what the server sends as a file, under the name the server gives', async () => {
    // The page's half of a successful export, whatever this branch's server offers: the
    // route answers as an export would, and the file saved must be that body, byte for byte.
    const csv = 'conversation,session_start\r\ngroup:301,2026-01-01T00:00:00.000Z\r\n';
    const route = '**/api/support/sessions?*';
    await page.route(route, (r) =>
      r.fulfill({
        status: 200,
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': 'attachment; filename="sessions-test.csv"',
        },
        body: csv,
      }),
    );
    try {
      const download = page.waitForEvent('download');
      await page.getByTestId('download-sessions').click();
      const file = await download;
      expect(file.suggestedFilename()).toBe('sessions-test.csv');
      expect(readFileSync(await file.path(), 'utf8')).toBe(csv);
      // The error line of a refused attempt before is gone.
      expect(await page.getByTestId('error-download').isVisible()).toBe(false);
    } finally {
      await page.unroute(route);
    }
  });

  it('moves between the tabs with the arrow keys', async () => {
    await page.getByTestId('tab-support').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByTestId('tab-overview').getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.dataset.tab)).toBe('overview');
    await page.getByTestId('panel-overview').waitFor();
    expect(await page.getByTestId('panel-support').isVisible()).toBe(false);
    expect(await page.getByTestId('tab-support').getAttribute('tabindex')).toBe('-1');

    const before = await refreshes(page);
    await page.keyboard.press('ArrowRight');
    await refreshedAfter(page, before);
    expect(await page.getByTestId('tab-support').getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.dataset.tab)).toBe('support');
    expect(await stat(page, 'stat-sessions')).toEqual({ value: '4', text: '4' });
  });

  it('reads on a phone: the heatmap scrolls in its card, the page does not overflow', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'en-US',
      timezoneId: TIME_ZONE,
    });
    try {
      const mobile = await phone.newPage();
      mobile.setDefaultTimeout(15_000);
      watch(mobile);
      await mobile.goto(`${base}/dashboard`);
      await signIn(mobile);
      await refreshedAfter(mobile, 0);
      await mobile.getByTestId('tab-support').click();
      await mobile.getByTestId('heatmap-cell').first().waitFor();
      const widths = await mobile.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
      await mobile.screenshot({ path: join(ARTIFACTS, 'support-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
