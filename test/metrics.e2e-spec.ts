import request from 'supertest';
import { HttpRecorder } from './support/http-recorder';
import {
  ADMIN_TOKEN,
  createTestApp,
  eventually,
  message,
  removeDataDir,
  TestApp,
} from './support/test-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format strictly enough to fail on a malformed line (NaN in any case, as Prometheus reads it). */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/i.exec(
      line,
    );
    if (!match) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples
    .filter(
      (s) =>
        s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    )
    .reduce((sum, s) => sum + s.value, 0);

describe('GET /metrics', () => {
  let t: TestApp;
  let sink: HttpRecorder;

  beforeAll(async () => {
    sink = await HttpRecorder.start();
    sink.reply = (r) =>
      r.json && (r.json as { text?: string }).text === 'bounce' ? { status: 400 } : { status: 200 };
    t = await createTestApp({ env: { NOTIFY_WEBHOOK_URL: `${sink.url}/offline` } });
  });

  afterAll(async () => {
    await t.close();
    await sink.stop();
    removeDataDir(t.dataDir);
  });

  const scrape = async (): Promise<Sample[]> => {
    const answer = await t.admin('/metrics').expect(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    return parsePrometheus(answer.text);
  };

  it('carries the webhook, event, delivery, listener, notification, HTTP and process series', async () => {
    const offline = message({ receiverConnected: false, groupId: 7001 });
    const bounced = message({ receiverConnected: false, groupId: 7002, message: 'bounce' });
    for (const m of [offline, bounced, message({ groupId: 7001 })]) await t.deliver(m).expect(200);
    await t.deliver(offline).expect(200, { status: 'duplicate', key: offline.key });
    await request(t.http).post('/message/forward').send('{}').expect(401);
    await t.deliver('{"key": 1}').expect(400);

    const samples = await eventually(async () => {
      const found = await scrape();
      expect(valueOf(found, 'kommhook_notifications_total', { outcome: 'sent' })).toBe(1);
      expect(valueOf(found, 'kommhook_notifications_total', { outcome: 'rejected' })).toBe(1);
      // Analytics lets its batches fill for a moment: wait for its three deliveries too.
      expect(
        valueOf(found, 'kommhook_listener_duration_seconds_count', {
          listener: 'analytics.messages',
          outcome: 'done',
        }),
      ).toBe(3);
      return found;
    });

    const webhook = (labels: Record<string, string>) =>
      valueOf(samples, 'kommhook_webhook_requests_total', labels);
    expect(webhook({ outcome: 'accepted' })).toBe(3);
    expect(webhook({ outcome: 'duplicate' })).toBe(1);
    expect(webhook({ outcome: 'rejected', code: 'WEBHOOK.UNAUTHORIZED' })).toBe(1);
    expect(webhook({ outcome: 'rejected', code: 'WEBHOOK.INVALID_PAYLOAD' })).toBe(1);

    expect(valueOf(samples, 'kommhook_events_emitted_total', { event: 'message.received' })).toBe(
      3,
    );
    expect(
      valueOf(samples, 'kommhook_events_emitted_total', { event: 'conversation.started' }),
    ).toBe(2);

    expect(
      valueOf(samples, 'kommhook_notifications_total', { channel: 'webhook', outcome: 'sent' }),
    ).toBe(1);
    expect(valueOf(samples, 'kommhook_deliveries', { status: 'dead' })).toBe(1);
    expect(samples.some((s) => s.name === 'kommhook_oldest_pending_delivery_age_seconds')).toBe(
      true,
    );
    expect(
      valueOf(samples, 'kommhook_listener_duration_seconds_count', {
        listener: 'analytics.messages',
        outcome: 'done',
      }),
    ).toBe(3);
    expect(
      valueOf(samples, 'kommhook_listener_duration_seconds_count', {
        listener: 'notifications.offline-webhook.webhook',
        outcome: 'dead',
      }),
    ).toBe(1);

    // By the route's pattern, never the raw URL.
    expect(
      valueOf(samples, 'kommhook_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/message/forward',
        status: '200',
      }),
    ).toBe(4);
    expect(
      valueOf(samples, 'kommhook_http_request_duration_seconds_count', {
        route: '/message/forward',
        status: '401',
      }),
    ).toBe(1);
    expect(samples.some((s) => s.name === 'kommhook_process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'kommhook_nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('labels a parameterised route by its pattern', async () => {
    await t.admin('/api/messages/some-key-1').expect(404);
    await t.admin('/api/messages/some-key-2').expect(404);
    const samples = await scrape();
    expect(
      valueOf(samples, 'kommhook_http_request_duration_seconds_count', {
        route: '/api/messages/:key',
        status: '404',
      }),
    ).toBe(2);
    expect(samples.some((s) => s.labels.route?.includes('some-key'))).toBe(false);
  });

  it('answers 401 without the admin token', async () => {
    const answer = await request(t.http).get('/metrics').expect(401);
    expect(answer.body).toMatchObject({ code: 'ADMIN.UNAUTHORIZED' });
    await request(t.http)
      .get('/metrics')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}x`)
      .expect(401);
  });
});

describe('GET /metrics with METRICS_PUBLIC=true', () => {
  it('needs no token', async () => {
    const t = await createTestApp({ env: { METRICS_PUBLIC: 'true' } });
    try {
      const answer = await request(t.http).get('/metrics').expect(200);
      expect(
        parsePrometheus(answer.text).some((s) => s.name === 'kommhook_webhook_requests_total'),
      ).toBe(false);
      expect(answer.text).toContain('# TYPE kommhook_webhook_requests_total counter');
    } finally {
      await t.close();
      removeDataDir(t.dataDir);
    }
  });
});
