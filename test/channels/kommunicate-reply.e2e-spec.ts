import { PermanentDeliveryError } from '../../src/delivery';
import { statusOf } from '../../src/notifications/channels/channel-errors';
import {
  KOMMHOOK_REPLY_MARKER,
  KommunicateReplyChannel,
  type KommunicateReplyChannelDto,
} from '../../src/notifications/channels/kommunicate-reply.channel';
import type { NotificationSettings } from '../../src/notifications/channels/notification-channel';
import {
  configWith,
  context,
  expectRetryable,
  failureOf,
  KOMMUNICATE_API_KEY,
} from '../support/channel-kit';
import { HttpRecorder } from '../support/http-recorder';

// The kommunicate-reply channel against a real server on 127.0.0.1 standing
// in for Kommunicate's send-message API.

describe('kommunicate-reply channel', () => {
  let sink: HttpRecorder;
  const channelWith = (kommunicate: Partial<NotificationSettings['kommunicate']> = {}) =>
    new KommunicateReplyChannel(
      configWith({
        kommunicate: {
          apiUrl: sink.url,
          apiKey: KOMMUNICATE_API_KEY,
          replyUser: 'kommhook-bot',
          ...kommunicate,
        },
      }),
    );
  const rule = (
    overrides: Partial<KommunicateReplyChannelDto> = {},
  ): KommunicateReplyChannelDto => ({
    channel: 'kommunicate-reply',
    template: 'Thanks {{from}}, we reply within a day. <b>{{text}}</b> & more',
    ...overrides,
  });

  beforeAll(async () => {
    sink = await HttpRecorder.start();
  });
  afterAll(async () => {
    await sink.stop();
  });
  beforeEach(() => sink.reset());

  it('POSTs the rendered reply to the send API, marked as kommhook’s own', async () => {
    const channel = channelWith();
    expect(channel.type).toBe('kommunicate-reply');
    expect(KOMMHOOK_REPLY_MARKER).toBe('KOMMHOOK_REPLY');
    sink.reply = () => ({ status: 201, body: '{"status":"success"}' });
    expect(await channel.send(rule(), context({ text: 'a "quote" & <tag>' }))).toBe(201);

    expect(sink.requests).toHaveLength(1);
    const [request] = sink.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/rest/ws/message/v2/send');
    expect(request.headers['api-key']).toBe(KOMMUNICATE_API_KEY);
    // Set once, not doubled with the default.
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.text)).toEqual({
      groupId: '5150',
      message: 'Thanks visitor-9, we reply within a day. <b>a "quote" & <tag></b> & more',
      fromUserName: 'kommhook-bot',
      metadata: { KOMMHOOK_REPLY: 'true' },
    });
  });

  it('sends as the rule’s fromUserName when set', async () => {
    await channelWith().send(rule({ fromUserName: 'night-shift' }), context());
    expect(JSON.parse(sink.requests[0].text)).toMatchObject({ fromUserName: 'night-shift' });
  });

  it('a message without groupId is permanent, nothing is sent', async () => {
    const error = await failureOf(channelWith().send(rule(), context({ groupId: null })));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe('the message has no groupId to reply in');
    expect(sink.requests).toHaveLength(0);
  });

  it('no API key is permanent, nothing is sent', async () => {
    const error = await failureOf(channelWith({ apiKey: undefined }).send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe('KOMMUNICATE_API_KEY is not set');
    expect(sink.requests).toHaveLength(0);
  });

  it('a 401 is permanent and its message holds no API key', async () => {
    sink.reply = () => ({ status: 401, body: `bad key ${KOMMUNICATE_API_KEY}` });
    const error = await failureOf(channelWith().send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(statusOf(error)).toBe(401);
    expect(error.message).toBe(`kommunicate ${sink.host}: answered 401`);
    expect(error.message).not.toContain(KOMMUNICATE_API_KEY);
  });

  it('a 502 is retryable', async () => {
    sink.reply = () => ({ status: 502 });
    expectRetryable(await failureOf(channelWith().send(rule(), context())), 502);
  });
});
