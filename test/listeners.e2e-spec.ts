import {
  CONVERSATION_STARTED,
  ConversationStartedEvent,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  MessageAttachmentReceivedEvent,
} from '../src/messages';
import { RecordingListener, ThrowingListener } from './support/recording.listener';
import {
  createTestApp,
  eventually,
  loadFixtures,
  message,
  removeDataDir,
  TestApp,
} from './support/test-app';

// Version 5: derived from the event name and message key, the same on every rebuild.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('domain events after the commit', () => {
  let t: TestApp;
  let recorder: RecordingListener;
  let thrower: ThrowingListener;

  beforeAll(async () => {
    t = await createTestApp({ providers: [ThrowingListener, RecordingListener] });
    recorder = t.app.get(RecordingListener);
    thrower = t.app.get(ThrowingListener);
  });

  afterAll(async () => {
    await t.close();
    removeDataDir(t.dataDir);
  });

  it('emits message.received with the normalised message, an event id and a time', async () => {
    const fixture = loadFixtures()['lenient-types'];
    const started = Date.now();
    await t.deliver(fixture).expect(200);

    const [event] = await eventually(() => {
      const found = recorder.named(MESSAGE_RECEIVED).filter((e) => e.message.key === fixture.key);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(event.eventId).toMatch(UUID);
    expect(event.occurredAt.getTime()).toBeGreaterThanOrEqual(started);
    expect(event.message).toEqual({
      key: fixture.key,
      from: 'visitor-7',
      to: null,
      text: 'Where is my order #4411?',
      timeStamp: 1700000100000,
      receivedAt: expect.any(Date) as Date,
      conversationKey: 'group:555001',
      groupId: 555001,
      clientGroupId: '555001',
      groupName: 'Order question',
      conversationId: 42,
      receiverConnected: false,
      receiverLastSeenAtTime: 1700000000000,
      file: null,
      metadata: {
        KM_CHAT_CONTEXT: '{"kmUserLocale":"en","botId":"support-bot"}',
        kmUserLocale: 'en',
        KM_TEAM_ID: '7',
      },
    });
  });

  it('emits message.attachment-received only for a message with a file', async () => {
    const withFile = loadFixtures()['attachment-with-metadata'];
    const without = message();
    await t.deliver(withFile).expect(200);
    await t.deliver(without).expect(200);

    const attachment = await eventually(() => {
      const found = recorder.named(MESSAGE_ATTACHMENT_RECEIVED) as MessageAttachmentReceivedEvent[];
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(attachment.message.key).toBe(withFile.key);
    expect(attachment.file).toEqual({
      name: 'name of attachment image.gif',
      url: 'https://example.com/attachments/abc.gif',
      contentType: 'image/gif',
      size: 28150,
      thumbnailUrl: 'https://example.com/attachments/abc-thumb.gif',
    });
    await eventually(() =>
      expect(recorder.events.some((e) => e.message.key === without.key)).toBe(true),
    );
    expect(
      recorder.named(MESSAGE_ATTACHMENT_RECEIVED).some((e) => e.message.key === without.key),
    ).toBe(false);
  });

  it('emits conversation.started for the first message of a conversation only', async () => {
    const first = message({ groupId: 91001 });
    const second = message({ groupId: 91001 });
    const direct = message({
      groupId: undefined,
      clientGroupId: undefined,
      from: 'lee',
      to: 'kevin',
    });
    const reply = message({
      groupId: undefined,
      clientGroupId: undefined,
      from: 'kevin',
      to: 'lee',
    });
    for (const payload of [first, second, direct, reply]) await t.deliver(payload).expect(200);

    const started = await eventually(() => {
      const found = (recorder.named(CONVERSATION_STARTED) as ConversationStartedEvent[]).filter(
        (e) => ['group:91001', 'direct:kevin|lee'].includes(e.conversationKey),
      );
      expect(found).toHaveLength(2);
      return found;
    });
    expect(started.map((e) => e.message.key).sort()).toEqual([first.key, direct.key].sort());
    const conversation = await t.db
      .selectFrom('conversations')
      .selectAll()
      .where('conversation_key', '=', 'group:91001')
      .executeTakeFirstOrThrow();
    expect(conversation).toMatchObject({ first_message_key: first.key });
    const inConversation = await t.db
      .selectFrom('messages')
      .select('key')
      .where('conversation_key', '=', 'group:91001')
      .execute();
    expect(inConversation).toHaveLength(2);
  });

  it('a listener that throws changes neither the 200 nor what the others receive', async () => {
    const callsBefore = thrower.calls;
    const payloads = [message(), message(), message()];
    for (const payload of payloads) {
      await t.deliver(payload).expect(200, { status: 'accepted', key: payload.key });
    }

    await eventually(() => expect(thrower.calls).toBe(callsBefore + 3));
    await eventually(() =>
      expect(
        recorder
          .named(MESSAGE_RECEIVED)
          .map((e) => e.message.key)
          .filter((key) => payloads.some((p) => p.key === key)),
      ).toEqual(payloads.map((p) => p.key)),
    );
  });
});
