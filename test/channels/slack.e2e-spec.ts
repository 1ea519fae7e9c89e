import { PermanentDeliveryError } from '../../src/delivery';
import { statusOf } from '../../src/notifications/channels/channel-errors';
import { SlackChannel, type SlackChannelDto } from '../../src/notifications/channels/slack.channel';
import { configWith, context, failureOf } from '../support/channel-kit';
import { HttpRecorder } from '../support/http-recorder';

// The Slack channel against a real server on 127.0.0.1 standing in for an
// incoming webhook: the body Slack is given, and how a refusal is classified.

const PATH = '/services/T000/B000/slack-hook-SECRET';

describe('slack channel', () => {
  let sink: HttpRecorder;
  const channel = new SlackChannel(configWith());
  const rule = (overrides: Partial<SlackChannelDto> = {}): SlackChannelDto => ({
    channel: 'slack',
    url: `${sink.url}${PATH}`,
    ...overrides,
  });

  beforeAll(async () => {
    sink = await HttpRecorder.start();
  });
  afterAll(async () => {
    await sink.stop();
  });
  beforeEach(() => sink.reset());

  it('POSTs the default text and blocks, every value escaped for mrkdwn', async () => {
    expect(channel.type).toBe('slack');
    sink.reply = () => ({ status: 200, body: 'ok' });
    const status = await channel.send(
      rule(),
      context({ from: 'eve <x>', text: 'hi <!channel> & <b>', conversationKey: 'group:5150' }),
    );
    expect(status).toBe(200);
    expect(sink.requests).toHaveLength(1);
    const [request] = sink.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(PATH);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBeUndefined();
    expect(JSON.parse(request.text)).toEqual({
      text: 'New message from eve &lt;x&gt; in group:5150: hi &lt;!channel&gt; &amp; &lt;b&gt;',
      blocks: [
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*From*\neve &lt;x&gt;' },
            { type: 'mrkdwn', text: '*Conversation*\ngroup:5150' },
          ],
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'hi &lt;!channel&gt; &amp; &lt;b&gt;' },
        },
      ],
    });
  });

  it('uses the rule template, and leaves the text block out when there is no text', async () => {
    await channel.send(
      rule({ template: '{{rule}}: {{metadata.source}} / {{groupName}} {{text}}' }),
      context({ text: '' }),
    );
    expect(JSON.parse(sink.requests[0].text)).toEqual({
      text: 'offline-alert: web / Support ',
      blocks: [
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*From*\nvisitor-9' },
            { type: 'mrkdwn', text: '*Conversation*\ngroup:5150' },
          ],
        },
      ],
    });
  });

  it('cuts an over-long text to what Slack accepts', async () => {
    await channel.send(rule(), context({ text: '&'.repeat(5000) }));
    const body = JSON.parse(sink.requests[0].text) as { blocks: { text?: { text: string } }[] };
    const text = body.blocks[1].text?.text ?? '';
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/^(&amp;)+…$/);
  });

  it('errors name the host, never the hook path', async () => {
    sink.reply = () => ({ status: 404, body: 'no_service' });
    const error = await failureOf(channel.send(rule(), context()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(statusOf(error)).toBe(404);
    expect(error.message).toBe(`slack ${sink.host}: answered 404`);
    expect(error.message).not.toContain('SECRET');
  });
});
