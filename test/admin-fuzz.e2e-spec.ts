import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Random } from '../scripts/traffic';
import { ADMIN_TOKEN, createTestApp, message, removeDataDir, TestApp } from './support/test-app';

const SEED = 20240509;
const REQUESTS = 3000;

interface Route {
  readonly method: 'GET' | 'POST';
  /** As OpenAPI writes it: `/api/messages/{key}`. */
  readonly path: string;
  readonly query: readonly string[];
  readonly pathParams: readonly string[];
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; in: string; schema?: { enum?: string[] } }[] }>
  >;
}

/** Every route under /api, with its parameters, from the service's own OpenAPI document. */
function routesOf(document: OpenApiDocument): { routes: Route[]; words: string[] } {
  const routes: Route[] = [];
  const words = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      for (const parameter of parameters) parameter.schema?.enum?.forEach((w) => words.add(w));
      routes.push({
        method: method.toUpperCase() as Route['method'],
        path,
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
      });
    }
  }
  return { routes, words: [...words] };
}

// Sent as they are: malformed or odd percent-encodings.
const RAW = ['%ZZ', '%', '%E0%A4%A', '%ED%A0%80', '%00', '%C0%AF', '%FF', '..', '.', '%2e%2e'];

const ODD = [
  '',
  ' ',
  '0',
  '-1',
  '-0',
  '1.5',
  '1e3',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '[object Object]',
  '9999999999999999',
  '99999999999999999999',
  '253402300800000',
  '8640000000000001',
  '-271821-04-20T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2024-02-30T00:00:00Z',
  '2024-13-01',
  '2024-05-01T25:00:00Z',
  '2024-05-01 10:00',
  'yesterday',
  'foo 1',
  '+02:00',
  '-12',
  '+14:00',
  '+15',
  '+05:30',
  '02',
  'UTC',
  'Z',
  'Europe/Berlin',
  '👋',
  'héllo',
  '\u0000',
  "'; DROP TABLE messages; --",
  '../../etc/passwd',
  'group:1',
  'analytics.messages',
  'eyJhIjoxfQ',
  'WzEsMl0',
  'WzFlMzAwLCJ4Il0',
  'W251bGwsbnVsbF0',
  '00000000-0000-0000-0000-000000000000',
];

/** Sends `method path` with the admin token; resolves with the status and body text. */
function send(
  base: string,
  agent: Agent,
  method: string,
  path: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(
      `${base}${path}`,
      { method, agent, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    )
      .on('error', reject)
      .end();
  });
}

describe(`admin and analytics APIs: ${REQUESTS} requests with generated odd parameters`, () => {
  let t: TestApp;
  let base: string;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    agent.destroy();
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('never answers 5xx, and every 400 names a parameter of the route', async () => {
    // Real data, so that some generated values hit stored keys, ids and cursors.
    const keys: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = message({
        groupId: 500 + (i % 4),
        file: i % 3 === 0 ? { url: 'https://example.com/a.pdf', size: 100 } : undefined,
      });
      await t.deliver(sent).expect(200);
      keys.push(sent.key);
    }
    const deliveries = (await t.admin('/api/deliveries?limit=2').expect(200)).body as {
      items: { id: string }[];
      nextCursor: string;
    };
    const messages = (await t.admin('/api/messages?limit=2').expect(200)).body as {
      nextCursor: string;
    };
    const real = [
      ...keys.slice(0, 3),
      ...deliveries.items.map((delivery) => delivery.id),
      deliveries.nextCursor,
      messages.nextCursor,
      new Date().toISOString(),
      String(Date.now()),
    ];

    const { routes, words } = routesOf(
      (await t.admin('/docs-json').expect(200)).body as OpenApiDocument,
    );
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'GET /api/analytics/attachments',
      'GET /api/analytics/summary',
      'GET /api/analytics/timeseries',
      'GET /api/analytics/top',
      'GET /api/deliveries',
      'GET /api/messages',
      'GET /api/messages/{key}',
      'GET /api/notifications',
      'GET /api/support/heatmap',
      'GET /api/support/response-times',
      'GET /api/support/roles/preview',
      'GET /api/support/sessions',
      'GET /api/support/summary',
      'GET /api/support/waits',
      'POST /api/deliveries/retry',
      'POST /api/deliveries/{id}/retry',
      'POST /api/messages/{key}/replay',
    ]);

    const r = new Random(SEED);
    const value = (): string => {
      const roll = r.float();
      if (roll < 0.08) return r.pick(RAW);
      if (roll < 0.13) return 'x'.repeat(r.int(200, 5000));
      const text = roll < 0.35 ? r.pick(real) : roll < 0.55 ? r.pick(words) : r.pick(ODD);
      return encodeURIComponent(text);
    };
    const histogram: Record<string, number> = {};
    const failures: string[] = [];

    for (let i = 0; i < REQUESTS; i++) {
      const route = r.pick(routes);
      const path = route.path.replace(/\{(\w+)\}/g, () => value() || 'x');
      const query: string[] = [];
      for (const name of route.query) {
        if (!r.chance(0.6)) continue;
        query.push(`${name}=${value()}`);
        if (r.chance(0.1)) query.push(`${name}=${value()}`); // given twice
        if (r.chance(0.05)) query.push(`${name}[${r.pick(['', 'a', '$gt'])}]=${value()}`);
      }
      if (r.chance(0.1)) query.push(`${r.pick(['extra', '__proto__', 'constructor'])}=${value()}`);
      const url = query.length > 0 ? `${path}?${query.join('&')}` : path;

      const { status, text } = await send(base, agent, route.method, url);
      let body: { code?: unknown; errors?: { field?: unknown }[] } = {};
      // The sessions export answers rows (NDJSON or CSV), not one JSON document.
      const exported = status === 200 && route.path === '/api/support/sessions';
      try {
        if (!exported) body = JSON.parse(text) as typeof body;
      } catch {
        failures.push(`${route.method} ${url}: ${status}, not JSON`);
      }
      const label = `${status} ${typeof body.code === 'string' ? body.code : ''}`.trim();
      histogram[label] = (histogram[label] ?? 0) + 1;
      const named = [...route.query, ...route.pathParams];
      if (status >= 500) failures.push(`${route.method} ${url.slice(0, 300)}: ${text}`);
      if (body.code === 'ADMIN.INVALID_QUERY' && !named.includes(String(body.errors?.[0]?.field))) {
        failures.push(`${route.method} ${url.slice(0, 300)}: names no parameter: ${text}`);
      }
    }

    console.log(
      `admin fuzz: seed ${SEED}, ${REQUESTS} requests over ${routes.length} routes\n` +
        Object.entries(histogram)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([label, count]) => `  ${label.padEnd(32)} ${count}`)
          .join('\n'),
    );
    expect(failures).toEqual([]);
    expect(histogram['400 ADMIN.INVALID_QUERY']).toBeGreaterThan(REQUESTS / 10);
    expect(Object.keys(histogram).some((label) => label.startsWith('200'))).toBe(true);
  }, 120_000);
});
