import { MESSAGE_RECEIVED } from '../src/messages';
import { RecordingListener } from './support/recording.listener';
import {
  createTestApp,
  eventually,
  fixtureText,
  loadFixtures,
  message,
  removeDataDir,
  TestApp,
} from './support/test-app';
import { readCommitted } from './support/store';

describe('POST /message/forward: accepting and storing', () => {
  let t: TestApp;
  let recorder: RecordingListener;

  beforeAll(async () => {
    t = await createTestApp({ providers: [RecordingListener] });
    recorder = t.app.get(RecordingListener);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  /**
   * The sample-payload tests store every fixture, but a test that reads one
   * back delivers it itself, so that it passes run alone; after them it is
   * answered `duplicate` and changes nothing.
   */
  async function deliverFixture(name: string): Promise<void> {
    const text = fixtureText(name);
    const { key } = JSON.parse(text) as { key: string };
    const response = await t.deliver(text).expect(200);
    expect(response.body).toEqual({ status: expect.stringMatching(/^(accepted|duplicate)$/), key });
  }

  it.each(Object.keys(loadFixtures()))('accepts and stores the sample payload %s', async (name) => {
    const text = fixtureText(name);
    const payload = JSON.parse(text) as { key: string; message: string; from: string };

    const response = await t.deliver(text).expect(200);

    expect(response.body).toEqual({ status: 'accepted', key: payload.key });
    const row = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('key', '=', payload.key)
      .executeTakeFirstOrThrow();
    expect(row.raw).toBe(text);
    expect(row.text).toBe(payload.message);
    expect(row.from_user).toBe(payload.from);
  });

  it('stores the lenient payload normalised, its unknown fields kept in the raw payload', async () => {
    await deliverFixture('lenient-types');
    const row = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('key', '=', '5-11112222-3333-4444-5555-666677778888-1700000100000')
      .executeTakeFirstOrThrow();
    expect(Number(row.group_id)).toBe(555001);
    expect(Number(row.time_stamp)).toBe(1700000100000);
    expect(row.receiver_connected).toBe(0);
    expect(JSON.parse(row.metadata)).toEqual({
      KM_CHAT_CONTEXT: '{"kmUserLocale":"en","botId":"support-bot"}',
      kmUserLocale: 'en',
      KM_TEAM_ID: '7',
    });
    expect(JSON.parse(row.raw)).toMatchObject({
      someFutureField: { added: 'by a later Kommunicate release' },
    });
  });

  it('stores the attachment in typed columns', async () => {
    await deliverFixture('attachment-with-metadata');
    const row = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('key', '=', '5-0b1d2c3e-4f50-4a61-9b72-83c94da5e6f7-1461590467000')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      file_name: 'name of attachment image.gif',
      file_url: 'https://example.com/attachments/abc.gif',
      file_content_type: 'image/gif',
      file_thumbnail_url: 'https://example.com/attachments/abc-thumb.gif',
      conversation_key: 'group:123456',
    });
    expect(Number(row.file_size)).toBe(28150);
  });

  it('answers a redelivery "duplicate" and emits nothing again', async () => {
    const payload = message();
    await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    await eventually(() =>
      expect(
        recorder.named(MESSAGE_RECEIVED).filter((e) => e.message.key === payload.key),
      ).toHaveLength(1),
    );
    const before = recorder.events.length;

    const again = await t.deliver({ ...payload, message: 'changed text' }).expect(200);

    expect(again.body).toEqual({ status: 'duplicate', key: payload.key });
    // Give a wrongly emitted event the time to arrive before asserting it did not.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(recorder.events).toHaveLength(before);
    const rows = await t.db
      .selectFrom('messages')
      .select('text')
      .where('key', '=', payload.key)
      .execute();
    expect(rows).toEqual([{ text: payload.message }]);
  });

  it('gives exactly one "accepted" to 20 concurrent deliveries of one key', async () => {
    const payload = message({ groupId: 424242 });

    const responses = await Promise.all(Array.from({ length: 20 }, () => t.deliver(payload)));

    const statuses = responses.map((r) => {
      expect(r.status).toBe(200);
      return (r.body as { status: string }).status;
    });
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19);
    const count = await t.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('key', '=', payload.key)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    await eventually(() =>
      expect(recorder.events.filter((e) => e.message.key === payload.key)).toHaveLength(2),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // message.received and conversation.started, once each.
    expect(
      recorder.events
        .filter((e) => e.message.key === payload.key)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['conversation.started', 'message.received']);
  });

  it('answers 200 only after the message is committed', async () => {
    const payload = message();
    await t.deliver(payload).expect(200);
    // Read through a second connection: what the sender was promised is committed.
    expect(
      await readCommitted(t.dataDir, 'select key from messages where key = ?', [payload.key]),
    ).toEqual([{ key: payload.key }]);
  });
});

describe('a restart on the same store', () => {
  it('still knows the stored keys', async () => {
    const first = await createTestApp();
    const payload = message();
    await first.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    await first.close();

    const second = await createTestApp({ dataDir: first.dataDir });
    try {
      await second.deliver(payload).expect(200, { status: 'duplicate', key: payload.key });
      const fresh = message();
      await second.deliver(fresh).expect(200, { status: 'accepted', key: fresh.key });
    } finally {
      await second.close();
      removeDataDir(first.dataDir);
    }
  });
});
