import { dirname, join } from 'node:path';

/** One file the dashboard serves: where it lies and how it is sent. */
export interface DashboardAsset {
  readonly file: string;
  readonly contentType: string;
  /** Vendor files change only with their package version; ours may change on any deploy. */
  readonly cacheControl: string;
}

/**
 * The page's own files. `nest build` copies them to dist/dashboard/public
 * (nest-cli.json `assets`), so the same relative path works from src (ts-jest,
 * start:dev) and from dist (npm start).
 */
export const PUBLIC_DIR = join(__dirname, 'public');

/** Chart.js's UMD build, straight from node_modules (its `exports` map hides dist/, its main is there). */
const CHART_JS_DIR = dirname(require.resolve('chart.js'));

const OWN = 'no-cache';
const VENDOR = 'public, max-age=86400';

export const DASHBOARD_PAGE: DashboardAsset = {
  file: join(PUBLIC_DIR, 'index.html'),
  contentType: 'text/html; charset=utf-8',
  cacheControl: OWN,
};

/**
 * Everything under /dashboard/assets/, by name. Only these names are served:
 * no directory listing, and no request path ever reaches the file system.
 */
export const DASHBOARD_ASSETS: ReadonlyMap<string, DashboardAsset> = new Map([
  [
    'dashboard.js',
    {
      file: join(PUBLIC_DIR, 'dashboard.js'),
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: OWN,
    },
  ],
  [
    'dashboard.css',
    {
      file: join(PUBLIC_DIR, 'dashboard.css'),
      contentType: 'text/css; charset=utf-8',
      cacheControl: OWN,
    },
  ],
  [
    'favicon.svg',
    { file: join(PUBLIC_DIR, 'favicon.svg'), contentType: 'image/svg+xml', cacheControl: OWN },
  ],
  [
    'chart.umd.min.js',
    {
      file: join(CHART_JS_DIR, 'chart.umd.min.js'),
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: VENDOR,
    },
  ],
  [
    'chart.umd.min.js.map',
    {
      file: join(CHART_JS_DIR, 'chart.umd.min.js.map'),
      contentType: 'application/json; charset=utf-8',
      cacheControl: VENDOR,
    },
  ],
]);

/**
 * Sent with every dashboard response. The page has no inline script or style
 * and loads nothing from elsewhere, so `'self'` is all it needs.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
