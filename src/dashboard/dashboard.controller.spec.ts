import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import request from 'supertest';
import { DASHBOARD_ASSETS, DASHBOARD_PAGE } from './dashboard-assets';
import { DashboardModule } from './dashboard.module';

describe('DashboardController', () => {
  let app: INestApplication;
  let http: Server;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [DashboardModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    http = app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves the page with a strict CSP, without the admin token', async () => {
    const page = await request(http).get('/dashboard').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.text).toContain('data-testid="token-input"');
    await request(http).get('/dashboard/').expect(200);
  });

  it('serves every whitelisted asset with its type, and answers 304 to a matching ETag', async () => {
    for (const [name, asset] of DASHBOARD_ASSETS) {
      const response = await request(http).get(`/dashboard/assets/${name}`).expect(200);
      expect(response.headers['content-type']).toBe(asset.contentType);
      expect(response.headers['cache-control']).toBe(asset.cacheControl);
      expect(response.headers['content-security-policy']).toBeDefined();
      const etag = String(response.headers.etag);
      await request(http).get(`/dashboard/assets/${name}`).set('If-None-Match', etag).expect(304);
    }
    const chart = await request(http).get('/dashboard/assets/chart.umd.min.js').expect(200);
    expect(chart.text).toContain('Chart.js v4');
  });

  it.each([
    '/dashboard/assets/',
    '/dashboard/assets',
    '/dashboard/assets/nope.js',
    '/dashboard/assets/index.html',
    '/dashboard/assets/__proto__',
    '/dashboard/assets/constructor',
    '/dashboard/assets/..%2Fdashboard.module.ts',
    '/dashboard/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/dashboard/assets/../../package.json',
    '/dashboard/public/dashboard.js',
    '/dashboard/dashboard.js',
  ])('answers 404 to %s: only listed names, no listing, no traversal', async (path) => {
    const response = await request(http).get(path).expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  describe('the page itself', () => {
    const html = readFileSync(DASHBOARD_PAGE.file, 'utf8');

    it('has no inline script, style or event handler (the CSP would block them)', () => {
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
      expect(html).not.toMatch(/<style/i);
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html).not.toMatch(/\son[a-z]+=/i);
    });

    it('pairs every tab with its panel (aria-controls and aria-labelledby)', () => {
      const tabs = [...html.matchAll(/<button[^>]*role="tab"[^>]*>/g)].map((match) => match[0]);
      expect(tabs).toHaveLength(2);
      for (const tab of tabs) {
        const id = /\sid="([^"]+)"/.exec(tab)?.[1];
        const panel = /\saria-controls="([^"]+)"/.exec(tab)?.[1];
        expect(html).toMatch(
          new RegExp(`id="${panel}"\\s+role="tabpanel"\\s+aria-labelledby="${id}"`),
        );
      }
      // Only the selected one is in the tab order.
      expect(tabs.filter((tab) => tab.includes('aria-selected="true"'))).toHaveLength(1);
      expect(tabs.filter((tab) => tab.includes('tabindex="-1"'))).toHaveLength(1);
    });

    it('loads only files the controller serves, all from this origin', () => {
      const urls = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      expect(urls.length).toBeGreaterThanOrEqual(4);
      for (const url of urls) {
        expect(url).toMatch(/^\/dashboard\/assets\//);
        expect(DASHBOARD_ASSETS.has(url.replace('/dashboard/assets/', ''))).toBe(true);
      }
      for (const asset of DASHBOARD_ASSETS.values()) expect(existsSync(asset.file)).toBe(true);
    });
  });
});
