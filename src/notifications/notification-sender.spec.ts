import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { IsOptional, IsString } from 'class-validator';
import { Clock } from '../common/clock/clock';
import { PermanentDeliveryError, type DeliveryContext } from '../delivery';
import { MessageReceivedEvent, type ReceivedMessage } from '../messages';
import { Metrics } from '../metrics/metrics';
import { Channel } from './channels/channel.decorator';
import {
  ChannelError,
  PermanentChannelError,
  RetryAfterChannelError,
} from './channels/channel-errors';
import { ChannelRegistry } from './channels/channel-registry';
import {
  ChannelDto,
  NotificationChannel,
  type NotificationContext,
} from './channels/notification-channel';
import { NotificationLog } from './notification-log';
import { NotificationMetrics } from './notification.metrics';
import { NotificationSender } from './notification-sender';
import type { CompiledRule } from './rules/rule-compiler';

class TestChannelDto extends ChannelDto {
  @IsOptional()
  @IsString()
  note?: string;
}

/** Records what it is asked to send; answers as the test says. */
abstract class RecordingChannel extends NotificationChannel<TestChannelDto> {
  readonly sent: { options: TestChannelDto; context: NotificationContext }[] = [];
  answer: () => Promise<number | null> = () => Promise.resolve(202);

  send(options: TestChannelDto, context: NotificationContext): Promise<number | null> {
    this.sent.push({ options, context });
    return this.answer();
  }
}

@Channel({ type: 'alpha', options: TestChannelDto })
class AlphaChannel extends RecordingChannel {}

@Channel({ type: 'beta', options: TestChannelDto })
class BetaChannel extends RecordingChannel {}

/** The log as the sender uses it: what it was told, and the throttle's answer. */
class RecordingLog implements Pick<NotificationLog, 'begin' | 'finish'> {
  /** What begin answers: the attempt's id, or null when throttled. */
  nextId: number | null = 7;
  readonly begun: Parameters<NotificationLog['begin']>[] = [];
  readonly finished: Parameters<NotificationLog['finish']>[] = [];

  begin(...args: Parameters<NotificationLog['begin']>): Promise<number | null> {
    this.begun.push(args);
    return Promise.resolve(this.nextId);
  }

  finish(...args: Parameters<NotificationLog['finish']>): Promise<void> {
    this.finished.push(args);
    return Promise.resolve();
  }
}

/** Half a second passes between two readings: begin and finish get different times. */
class SteppingClock extends Clock {
  private at = Date.parse('2026-03-04T05:06:07.000Z');

  override now(): Date {
    const now = new Date(this.at);
    this.at += 500;
    return now;
  }
}
const T0 = Date.parse('2026-03-04T05:06:07.000Z');

const MESSAGE: ReceivedMessage = {
  key: 'msg-5150-1',
  from: 'visitor-9',
  to: 'agent-1',
  text: 'anyone there?',
  timeStamp: 1741064767000,
  receivedAt: new Date('2025-03-04T05:06:07.089Z'),
  conversationKey: 'group:5150',
  groupId: 5150,
  clientGroupId: null,
  groupName: 'Support',
  conversationId: 77,
  receiverConnected: false,
  receiverLastSeenAtTime: null,
  file: null,
  metadata: {},
};

const RULE: CompiledRule = {
  name: 'offline-alert',
  events: ['message.received'],
  matches: () => true,
  channels: [],
  throttle: { max: 2, windowMs: 600_000 },
};

const DELIVERY: DeliveryContext = {
  deliveryId: '0b5e4b8c-3f0a-5d5e-9a3c-6c1f2e7d8a90',
  attempt: 1,
  listener: 'notifications.offline-alert.alpha-2',
};

const entry = (channel: string, note = 'n'): { id: string; config: TestChannelDto } => ({
  id: `${channel}-2`,
  config: Object.assign(new TestChannelDto(), { channel, note }),
});

describe('NotificationSender', () => {
  let moduleRef: TestingModule;
  let sender: NotificationSender;
  let log: RecordingLog;
  let alpha: AlphaChannel;
  let beta: BetaChannel;
  let metrics: NotificationMetrics;

  beforeEach(async () => {
    log = new RecordingLog();
    moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        ChannelRegistry,
        NotificationSender,
        NotificationMetrics,
        Metrics,
        { provide: NotificationLog, useValue: log },
        { provide: Clock, useClass: SteppingClock },
        AlphaChannel,
        BetaChannel,
      ],
    }).compile();
    await moduleRef.init();
    sender = moduleRef.get(NotificationSender);
    alpha = moduleRef.get(AlphaChannel);
    beta = moduleRef.get(BetaChannel);
    metrics = moduleRef.get(NotificationMetrics);
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  /** kommhook_notifications_total by "channel/outcome". */
  async function counted(): Promise<Record<string, number>> {
    const { values } = await metrics.attempts.get();
    return Object.fromEntries(
      values.map(({ labels, value }) => [`${labels.channel}/${labels.outcome}`, value]),
    );
  }

  it('sends through the channel its entry names, only that one, and logs it sent', async () => {
    const event = new MessageReceivedEvent(MESSAGE);
    const target = entry('alpha');
    await sender.send(RULE, target, event, DELIVERY);

    expect(alpha.sent).toEqual([
      {
        options: target.config,
        context: { rule: 'offline-alert', event, deliveryId: DELIVERY.deliveryId },
      },
    ]);
    expect(alpha.sent[0].options).toBe(target.config);
    expect(beta.sent).toEqual([]);
    expect(log.begun).toEqual([
      [
        {
          deliveryId: DELIVERY.deliveryId,
          rule: 'offline-alert',
          // The entry's id (two alphas in one rule are alpha and alpha-2), not its type.
          channel: 'alpha-2',
          eventName: 'message.received',
          messageKey: 'msg-5150-1',
          throttleKey: 'group:5150',
        },
        T0,
        { max: 2, windowMs: 600_000 },
      ],
    ]);
    expect(log.finished).toEqual([[7, T0 + 500, { status: 'sent', remoteStatus: 202 }]]);
    // Metrics go by type, so that numbered entries add up.
    expect(await counted()).toEqual({ 'alpha/sent': 1 });
  });

  it('picks each channel by its type: a beta entry goes to beta', async () => {
    beta.answer = () => Promise.resolve(null);
    await sender.send(RULE, entry('beta', 'for beta'), new MessageReceivedEvent(MESSAGE), DELIVERY);
    expect(alpha.sent).toEqual([]);
    expect(beta.sent.map(({ options }) => options.note)).toEqual(['for beta']);
    // A channel that gives no status (an SMTP server without a reply code) logs null.
    expect(log.finished).toEqual([[7, T0 + 500, { status: 'sent', remoteStatus: null }]]);
    expect(await counted()).toEqual({ 'beta/sent': 1 });
  });

  it('throttles per sender when the message has no conversation', async () => {
    const event = new MessageReceivedEvent({ ...MESSAGE, conversationKey: null });
    await sender.send(RULE, entry('alpha'), event, DELIVERY);
    expect(log.begun[0][0].throttleKey).toBe('sender:visitor-9');
  });

  it('when the throttle says no, sends nothing and only counts it', async () => {
    log.nextId = null;
    await sender.send(RULE, entry('alpha'), new MessageReceivedEvent(MESSAGE), DELIVERY);
    expect(alpha.sent).toEqual([]);
    expect(log.begun).toHaveLength(1);
    expect(log.finished).toEqual([]);
    expect(await counted()).toEqual({ 'alpha/throttled': 1 });
  });

  it('a permanent failure is logged rejected with the far side’s status, and rethrown as is', async () => {
    const failure = new PermanentChannelError('alpha 127.0.0.1:9: answered 404', 404);
    alpha.answer = () => Promise.reject(failure);
    const sending = sender.send(RULE, entry('alpha'), new MessageReceivedEvent(MESSAGE), DELIVERY);
    await expect(sending).rejects.toBe(failure);
    expect(log.finished).toEqual([
      [
        7,
        T0 + 500,
        {
          status: 'rejected',
          error: 'PermanentDeliveryError: alpha 127.0.0.1:9: answered 404',
          remoteStatus: 404,
        },
      ],
    ]);
    expect(await counted()).toEqual({ 'alpha/rejected': 1 });
  });

  it.each([
    ['a 503', new ChannelError('alpha 127.0.0.1:9: answered 503', 503), 503],
    [
      'a 429 with Retry-After',
      new RetryAfterChannelError('alpha 127.0.0.1:9: answered 429', Date.now() + 1000, 429),
      429,
    ],
    ['a lost connection', new Error('socket hang up'), null],
  ])('%s is logged failed and rethrown, for the queue to retry', async (_case, failure, status) => {
    alpha.answer = () => Promise.reject(failure);
    const sending = sender.send(RULE, entry('alpha'), new MessageReceivedEvent(MESSAGE), DELIVERY);
    await expect(sending).rejects.toBe(failure);
    expect(log.finished).toEqual([
      [
        7,
        T0 + 500,
        { status: 'failed', error: `${failure.name}: ${failure.message}`, remoteStatus: status },
      ],
    ]);
    expect(await counted()).toEqual({ 'alpha/failed': 1 });
  });

  it('an entry whose type no channel has is rejected, not retried', async () => {
    const sending = sender.send(RULE, entry('gone'), new MessageReceivedEvent(MESSAGE), DELIVERY);
    await expect(sending).rejects.toThrow(PermanentDeliveryError);
    expect(log.finished).toEqual([
      [
        7,
        T0 + 500,
        {
          status: 'rejected',
          error: 'PermanentDeliveryError: no notification channel of type "gone"',
          remoteStatus: null,
        },
      ],
    ]);
    expect(alpha.sent).toEqual([]);
    expect(beta.sent).toEqual([]);
  });
});
