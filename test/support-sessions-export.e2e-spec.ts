import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { encodeCursor } from '../src/common/query/query-params';
import { SupportSessionsExport } from '../src/support/export/sessions-export';
import { SupportStore } from '../src/support/support-store';
import {
  ADMIN_TOKEN,
  createTestApp,
  eventually,
  message,
  removeDataDir,
  TestApp,
} from './support/test-app';

const at = (iso: string): number => Date.parse(iso);

/** RFC 4180: fields split by commas, quoted fields may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the last line does not end with CRLF');
  return rows;
}

const parseNdjson = (text: string): Record<string, unknown>[] => {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

const COLUMNS = [
  'conversation',
  'sessionStart',
  'sessionEnd',
  'initiator',
  'customer',
  'agents',
  'messages',
  'customerMessages',
  'agentMessages',
  'botMessages',
  'firstResponseMs',
  'firstResponseBusinessMs',
  'replies',
  'meanReplyMs',
  'meanReplyBusinessMs',
  'longestWaitMs',
  'longestWaitBusinessMs',
  'unanswered',
  'waitingSince',
];

const HYPERLINK = '=HYPERLINK("http://x","y")';
const PHONE = '+49 30 1234, "Berlin"';

const row = (values: Partial<Record<string, unknown>>): Record<string, unknown> => ({
  agents: [],
  customerMessages: 0,
  agentMessages: 0,
  botMessages: 0,
  firstResponseMs: null,
  firstResponseBusinessMs: null,
  replies: 0,
  meanReplyMs: null,
  meanReplyBusinessMs: null,
  longestWaitMs: null,
  longestWaitBusinessMs: null,
  unanswered: false,
  waitingSince: null,
  ...values,
});

/** The sessions, oldest first (ties by conversation key); business hours Mon-Fri 09-17 UTC. */
const SESSIONS = [
  // Tuesday: an agent writes first, the customer answers, the agent replies in 20 minutes.
  row({
    conversation: 'group:3',
    sessionStart: '2026-11-24T15:00:00.000Z',
    sessionEnd: '2026-11-24T15:50:00.000Z',
    initiator: 'agent',
    customer: '@evil',
    agents: ['agent-ann'],
    messages: 3,
    customerMessages: 1,
    agentMessages: 2,
    firstResponseMs: 1_200_000,
    firstResponseBusinessMs: 1_200_000,
    replies: 1,
    meanReplyMs: 1_200_000,
    meanReplyBusinessMs: 1_200_000,
    longestWaitMs: 1_200_000,
    longestWaitBusinessMs: 1_200_000,
  }),
  // Wednesday before and after opening: replies of 5 m, 12 m (0 business) and 20 m.
  row({
    conversation: 'group:1',
    sessionStart: '2026-11-25T08:30:00.000Z',
    sessionEnd: '2026-11-25T09:30:00.000Z',
    initiator: 'customer',
    customer: 'cust-1',
    agents: ['agent-ann', 'agent-bob'],
    messages: 6,
    customerMessages: 3,
    agentMessages: 3,
    firstResponseMs: 300_000,
    firstResponseBusinessMs: 0,
    replies: 3,
    meanReplyMs: 740_000,
    meanReplyBusinessMs: 400_000,
    longestWaitMs: 1_200_000,
    longestWaitBusinessMs: 1_200_000,
  }),
  // The bot answers first (not a reply time), an agent 10 minutes after the next question.
  row({
    conversation: 'group:2',
    sessionStart: '2026-11-25T10:00:00.000Z',
    sessionEnd: '2026-11-25T10:11:00.000Z',
    initiator: 'customer',
    customer: HYPERLINK,
    agents: ['agent-bob'],
    messages: 4,
    customerMessages: 2,
    agentMessages: 1,
    botMessages: 1,
    firstResponseMs: 660_000,
    firstResponseBusinessMs: 660_000,
    replies: 1,
    meanReplyMs: 600_000,
    meanReplyBusinessMs: 600_000,
    longestWaitMs: 600_000,
    longestWaitBusinessMs: 600_000,
  }),
  // Starts at the same instant as group:2: only the bot answers.
  row({
    conversation: 'group:5',
    sessionStart: '2026-11-25T10:00:00.000Z',
    sessionEnd: '2026-11-25T10:00:10.000Z',
    initiator: 'customer',
    customer: 'cust-5',
    messages: 2,
    customerMessages: 1,
    botMessages: 1,
  }),
  // Thursday, more than a day after group:3's last message: a new session, unanswered.
  row({
    conversation: 'group:3',
    sessionStart: '2026-11-26T16:00:00.000Z',
    sessionEnd: '2026-11-26T16:00:00.000Z',
    initiator: 'customer',
    customer: '@evil',
    messages: 1,
    customerMessages: 1,
    unanswered: true,
    waitingSince: '2026-11-26T16:00:00.000Z',
  }),
  // After closing on Thursday, answered Friday 09:15: 15 h 45 m, 15 minutes of business time.
  row({
    conversation: 'group:4',
    sessionStart: '2026-11-26T17:30:00.000Z',
    sessionEnd: '2026-11-27T09:15:00.000Z',
    initiator: 'customer',
    customer: PHONE,
    agents: ['agent-cy'],
    messages: 2,
    customerMessages: 1,
    agentMessages: 1,
    firstResponseMs: 56_700_000,
    firstResponseBusinessMs: 900_000,
    replies: 1,
    meanReplyMs: 56_700_000,
    meanReplyBusinessMs: 900_000,
    longestWaitMs: 56_700_000,
    longestWaitBusinessMs: 900_000,
  }),
];

/** What a CSV cell holds for a value: empty for null, agents joined with `;`. */
const cell = (value: unknown): string =>
  value === null
    ? ''
    : Array.isArray(value)
      ? value.join(';')
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : (value as string);

describe('support sessions export', () => {
  let t: TestApp;
  let posted = 0;

  const post = async (groupId: number, from: string, iso: string) => {
    const payload = message({ groupId, clientGroupId: undefined, from, timeStamp: at(iso) });
    await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    posted += 1;
  };
  const exportText = async (path: string, accept?: string) => {
    const call = t.admin(path).buffer(true).parse(textParser);
    const answer = await (accept === undefined ? call : call.set('Accept', accept)).expect(200);
    return { text: answer.body as string, headers: answer.headers as Record<string, string> };
  };

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        SUPPORT_AGENTS: 'agent-*',
        SUPPORT_BOTS: 'faq-bot',
        SUPPORT_TIMEZONE: 'UTC',
        SUPPORT_BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
      },
    });
    await post(3, 'agent-ann', '2026-11-24T15:00:00Z');
    await post(3, '@evil', '2026-11-24T15:30:00Z');
    await post(3, 'agent-ann', '2026-11-24T15:50:00Z');
    await post(3, '@evil', '2026-11-26T16:00:00Z');
    await post(1, 'cust-1', '2026-11-25T08:30:00Z');
    await post(1, 'agent-ann', '2026-11-25T08:35:00Z');
    await post(1, 'cust-1', '2026-11-25T08:40:00Z');
    await post(1, 'agent-bob', '2026-11-25T08:52:00Z');
    await post(1, 'cust-1', '2026-11-25T09:10:00Z');
    await post(1, 'agent-ann', '2026-11-25T09:30:00Z');
    await post(2, HYPERLINK, '2026-11-25T10:00:00Z');
    await post(2, 'faq-bot', '2026-11-25T10:00:30Z');
    await post(2, HYPERLINK, '2026-11-25T10:01:00Z');
    await post(2, 'agent-bob', '2026-11-25T10:11:00Z');
    await post(5, 'cust-5', '2026-11-25T10:00:00Z');
    await post(5, 'faq-bot', '2026-11-25T10:00:10Z');
    await post(4, PHONE, '2026-11-26T17:30:00Z');
    await post(4, 'agent-cy', '2026-11-27T09:15:00Z');
    // Every delivery of the support listener finished, and its tables hold every message.
    await eventually(async () => {
      for (const status of ['pending', 'running', 'failed', 'dead']) {
        const open = await t.admin(`/api/deliveries?status=${status}&listener=support.sessions`);
        expect((open.body as { items: unknown[] }).items).toEqual([]);
      }
      const stored = await t.db
        .selectFrom('support_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(posted);
    }, 10_000);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('streams one NDJSON line per session, oldest first', async () => {
    const { text, headers } = await exportText('/api/support/sessions?format=ndjson');
    expect(headers['content-type']).toBe('application/x-ndjson');
    expect(headers['content-disposition']).toBe('attachment; filename="support-sessions.ndjson"');
    expect(headers['x-next-cursor']).toBeUndefined();
    const rows = parseNdjson(text);
    expect(rows).toEqual(SESSIONS);
    expect(Object.keys(rows[0])).toEqual(COLUMNS);
  });

  it('writes RFC 4180 CSV with a header, formula-like text cells made inert', async () => {
    const { text, headers } = await exportText('/api/support/sessions?format=csv');
    expect(headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(headers['content-disposition']).toBe('attachment; filename="support-sessions.csv"');
    expect(text.startsWith(`${COLUMNS.join(',')}\r\n`)).toBe(true);
    // Quoted only where RFC 4180 needs it: commas and quotes in the cell.
    expect(text).toContain(`,"'=HYPERLINK(""http://x"",""y"")",agent-bob,`);
    expect(text).toContain(`,"'+49 30 1234, ""Berlin""",agent-cy,`);

    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(COLUMNS);
    const inert: Record<string, string> = {
      '@evil': "'@evil",
      [HYPERLINK]: `'${HYPERLINK}`,
      [PHONE]: `'${PHONE}`,
    };
    expect(rows).toEqual(
      SESSIONS.map((session) =>
        COLUMNS.map((column) =>
          column === 'customer'
            ? (inert[session.customer as string] ?? cell(session.customer))
            : cell(session[column]),
        ),
      ),
    );
  });

  it('chooses the format by Accept, ?format first, NDJSON by default', async () => {
    const csvHeader = `${COLUMNS.join(',')}\r\n`;
    expect((await exportText('/api/support/sessions', 'text/csv')).text).toMatch(/^conversation,/);
    expect(
      (await exportText('/api/support/sessions', 'text/csv;q=0.5, application/x-ndjson')).headers[
        'content-type'
      ],
    ).toBe('application/x-ndjson');
    expect((await exportText('/api/support/sessions', 'text/*')).text.startsWith(csvHeader)).toBe(
      true,
    );
    const byDefault = await exportText('/api/support/sessions');
    expect(parseNdjson(byDefault.text)).toEqual(SESSIONS);
    expect(byDefault.headers.vary).toContain('Accept');
    expect(
      (await exportText('/api/support/sessions', 'application/json')).headers['content-type'],
    ).toBe('application/x-ndjson');
    expect(
      (await exportText('/api/support/sessions?format=ndjson', 'text/csv')).headers['content-type'],
    ).toBe('application/x-ndjson');
  });

  it('exports the sessions that started in the range', async () => {
    const { text } = await exportText(
      '/api/support/sessions?since=2026-11-25T00:00:00Z&until=2026-11-26T17:30:00Z',
    );
    expect(parseNdjson(text)).toEqual(SESSIONS.slice(1, 5));
    const csv = await exportText(
      `/api/support/sessions?format=csv&since=${at('2026-11-26T17:30:00Z')}`,
    );
    expect(parseCsv(csv.text).slice(1)).toHaveLength(1);
    const none = await exportText('/api/support/sessions?format=csv&since=2027-01-01');
    expect(none.text).toBe(`${COLUMNS.join(',')}\r\n`);
    expect((await exportText('/api/support/sessions?since=2027-01-01')).text).toBe('');
  });

  it.each([1, 2, 3, 4])('pages with limit=%i and the cursor, every session once', async (limit) => {
    const seen: Record<string, unknown>[] = [];
    let path = `/api/support/sessions?limit=${limit}`;
    for (let pages = 0; pages < 10; pages += 1) {
      const { text, headers } = await exportText(path);
      const page = text === '' ? [] : parseNdjson(text);
      expect(page.length).toBeLessThanOrEqual(limit);
      seen.push(...page);
      const next = headers['x-next-cursor'];
      if (next === undefined) break;
      expect(page).toHaveLength(limit);
      expect(headers.link).toBe(
        `</api/support/sessions?limit=${limit}&cursor=${next}>; rel="next"`,
      );
      path = `/api/support/sessions?limit=${limit}&cursor=${next}`;
    }
    expect(seen).toEqual(SESSIONS);
  });

  it('resumes the whole export after a cursor, in CSV too, within the range', async () => {
    const first = await exportText('/api/support/sessions?limit=2&until=2026-11-26T17:00:00Z');
    expect(parseNdjson(first.text)).toEqual(SESSIONS.slice(0, 2));
    const cursor = first.headers['x-next-cursor'];
    // group:2 and group:5 start at the same time: the key breaks the tie.
    const rest = await exportText(
      `/api/support/sessions?format=csv&until=2026-11-26T17:00:00Z&cursor=${cursor}`,
    );
    expect(parseCsv(rest.text).map((cells) => cells.slice(0, 2))).toEqual([
      ['conversation', 'sessionStart'],
      ['group:2', '2026-11-25T10:00:00.000Z'],
      ['group:5', '2026-11-25T10:00:00.000Z'],
      ['group:3', '2026-11-26T16:00:00.000Z'],
    ]);
    expect(rest.headers['x-next-cursor']).toBeUndefined();
  });

  it.each([
    ['/api/support/sessions?format=xml', 'format'],
    ['/api/support/sessions?format=csv&format=ndjson', 'format'],
    ['/api/support/sessions?limit=0', 'limit'],
    ['/api/support/sessions?limit=10001', 'limit'],
    ['/api/support/sessions?limit=ten', 'limit'],
    ['/api/support/sessions?cursor=not-a-cursor', 'cursor'],
    // A cursor of a list with numeric ids (deliveries, messages) is not one of this list.
    [`/api/support/sessions?cursor=${encodeCursor({ at: 1, id: 5 })}`, 'cursor'],
    ['/api/support/sessions?since=yesterday', 'since'],
    ['/api/support/sessions?since=2026-11-27&until=2026-11-26', 'until'],
  ])('%s is a 400 JSON answer naming %s', async (path, field) => {
    const answer = await t.admin(path).set('Accept', 'text/csv').expect(400);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({ code: 'ADMIN.INVALID_QUERY', errors: [{ field }] });
  });

  it('needs the admin token', async () => {
    const answer = await request(t.http).get('/api/support/sessions').expect(401);
    expect(answer.body).toMatchObject({ code: 'ADMIN.UNAUTHORIZED' });
  });
});

describe('support sessions export, streamed', () => {
  let t: TestApp;
  // Fat rows, so that the export is far larger than what sockets buffer (a few MB).
  const SESSIONS_SEEDED = 12_000;
  const PAGES = SESSIONS_SEEDED / 1_000;
  const agents = Array.from({ length: 10 }, (_, i) => `agent-${i}-${'a'.repeat(70)}`);

  beforeAll(async () => {
    t = await createTestApp({ env: { SUPPORT_AGENTS: 'agent-*' } });
    const start = at('2026-01-01T00:00:00Z');
    for (let from = 0; from < SESSIONS_SEEDED; from += 500) {
      await t.db
        .insertInto('support_sessions')
        .values(
          Array.from({ length: 500 }, (_, i) => ({
            conversation_key: `group:${from + i}`,
            started_at: start + (from + i) * 60_000,
            ended_at: start + (from + i) * 60_000 + 30_000,
            first_message_key: `seed-${from + i}`,
            initiator: 'customer',
            customer: `customer-${from + i}-${'c'.repeat(1_000)}`,
            agents: JSON.stringify(agents),
            messages: 2,
            customer_messages: 1,
            agent_messages: 1,
            bot_messages: 0,
            first_customer_at: start + (from + i) * 60_000,
            first_response_ms: 30_000,
            first_response_business_ms: 30_000,
            first_response_with_bots_ms: 30_000,
            first_response_with_bots_business_ms: 30_000,
            handoff_ms: null,
            handoff_business_ms: null,
            waiting_since: null,
          })),
        )
        .execute();
    }
  }, 60_000);

  afterAll(async () => {
    if (t.http.listening) await new Promise<void>((resolve) => t.http.close(() => resolve()));
    await t.close();
    removeDataDir(t.dataDir);
  });

  /** Counts the store's page reads, and tells when an export's reading has ended. */
  const instrument = () => {
    const reads = jest.spyOn(t.app.get(SupportStore), 'sessionsAfter');
    const exporter = t.app.get(SupportSessionsExport);
    const open = exporter.open.bind(exporter);
    const state = { finished: false };
    jest.spyOn(exporter, 'open').mockImplementation(async (request) => {
      const run = await open(request);
      return {
        nextCursor: run.nextCursor,
        async *pages() {
          try {
            yield* run.pages();
          } finally {
            state.finished = true;
          }
        },
      };
    });
    return { reads, state };
  };

  afterEach(() => jest.restoreAllMocks());

  /** A request on a socket of its own, answered with a status and headers so far. */
  const openExport = async (path: string) => {
    if (!t.http.listening) {
      await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    }
    const { port } = t.http.address() as AddressInfo;
    const client = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      client.once('response', resolve);
      client.once('error', reject);
      client.end();
    });
    expect(response.statusCode).toBe(200);
    return { client, response };
  };

  it('streams the whole range page by page', async () => {
    const { reads } = instrument();
    const answer = await request(t.http)
      .get('/api/support/sessions?format=csv')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .buffer(true)
      .parse(textParser)
      .expect(200);
    // The seeded cells hold no quotes, commas or line breaks: lines and commas split them.
    const lines = (answer.body as string).split('\r\n');
    expect(lines.pop()).toBe('');
    const rows = lines.map((line) => line.split(','));
    expect(rows).toHaveLength(SESSIONS_SEEDED + 1);
    expect(new Set(rows.map((cells) => cells[0])).size).toBe(SESSIONS_SEEDED + 1);
    expect(rows[1].slice(0, 2)).toEqual(['group:0', '2026-01-01T00:00:00.000Z']);
    expect(rows.at(-1)!.slice(0, 2)).toEqual([
      `group:${SESSIONS_SEEDED - 1}`,
      new Date(at('2026-01-01T00:00:00Z') + (SESSIONS_SEEDED - 1) * 60_000).toISOString(),
    ]);
    // Full pages, then the empty one that tells the end.
    expect(reads).toHaveBeenCalledTimes(PAGES + 1);
    expect(reads.mock.calls.every(([, , limit]) => limit === 1_000)).toBe(true);
  });

  it('answers a store failure before the first byte with an error in JSON', async () => {
    jest.spyOn(t.app.get(SupportStore), 'sessionsAfter').mockRejectedValueOnce(new Error('gone'));
    const answer = await t.admin('/api/support/sessions?format=csv').expect(500);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({ code: 'INTERNAL.ERROR' });
  });

  it('cuts the stream short when the store fails after the first byte', async () => {
    const store = t.app.get(SupportStore);
    const read = store.sessionsAfter.bind(store);
    jest
      .spyOn(store, 'sessionsAfter')
      .mockImplementationOnce(read)
      .mockRejectedValueOnce(new Error('gone'));
    const { client, response } = await openExport('/api/support/sessions?format=ndjson');
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.once('error', () => undefined);
    await new Promise((resolve) => response.once('close', resolve));
    // The first page arrived whole; the body's end never did.
    expect(response.complete).toBe(false);
    expect(text.split('\n')).toHaveLength(1_001);
    client.destroy();
  });

  it('waits for a slow client, and stops reading when it disconnects', async () => {
    const { reads, state } = instrument();
    const { client, response } = await openExport('/api/support/sessions?format=ndjson');
    // Read nothing: the socket's buffers fill and the export must wait for 'drain'.
    response.pause();
    const stalled = await eventually(async () => {
      const before = reads.mock.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(reads.mock.calls.length).toBe(before);
      return before;
    }, 10_000);
    expect(stalled).toBeLessThan(PAGES);
    expect(state.finished).toBe(false);

    response.once('error', () => undefined);
    client.destroy();
    await eventually(() => expect(state.finished).toBe(true), 5_000);
    expect(reads.mock.calls.length).toBe(stalled);
  });
});

/** Supertest's parser for a body that is neither JSON nor form data: the text as it came. */
const textParser: Extract<Parameters<request.Test['parse']>[0], (a: never, b: never) => void> = (
  response,
  callback,
) => {
  const stream = response as unknown as IncomingMessage;
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  stream.on('end', () => callback(null, text));
};
