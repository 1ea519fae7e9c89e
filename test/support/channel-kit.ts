import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../src/config/all-config';
import { PermanentDeliveryError, RetryAfterError } from '../../src/delivery';
import { MessageReceivedEvent, type ReceivedMessage } from '../../src/messages';
import { ChannelError, statusOf } from '../../src/notifications/channels/channel-errors';
import type {
  NotificationContext,
  NotificationSettings,
} from '../../src/notifications/channels/notification-channel';

// What the channel suites (test/channels/) share: one message to send, the
// configuration a channel is built with, and how a failure is classified.

export const DELIVERY_ID = '0b5e4b8c-3f0a-5d5e-9a3c-6c1f2e7d8a90';
export const KOMMUNICATE_API_KEY = 'kommunicate-api-key-SECRET-42';

export const baseMessage: ReceivedMessage = {
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
  metadata: { source: 'web' },
};

/** What a channel is asked to send: `baseMessage` with some fields changed, for the rule offline-alert. */
export function context(message: Partial<ReceivedMessage> = {}): NotificationContext {
  return {
    rule: 'offline-alert',
    event: new MessageReceivedEvent({ ...baseMessage, ...message }),
    deliveryId: DELIVERY_ID,
  };
}

/** The configuration a channel's constructor reads, with a 2 s timeout and the overrides given. */
export function configWith(
  overrides: Partial<NotificationSettings> = {},
): ConfigService<AllConfig, true> {
  const notifications: NotificationSettings = {
    rulesFile: undefined,
    webhookUrl: undefined,
    supportRoles: true,
    timeoutMs: 2000,
    smtpUrl: undefined,
    emailFrom: 'kommhook <kommhook@localhost>',
    kommunicate: {
      apiUrl: 'http://127.0.0.1:9',
      apiKey: KOMMUNICATE_API_KEY,
      replyUser: 'kommhook-bot',
    },
    ...overrides,
  };
  return new ConfigService<AllConfig, true>({ notifications });
}

/** The error a send rejected with; fails the test when it resolved. */
export async function failureOf(sending: Promise<unknown>): Promise<Error> {
  try {
    await sending;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the send to fail, it succeeded');
}

/** Retryable: neither permanent nor told when to come back; with the far side's status, if any. */
export function expectRetryable(error: Error, status: number | null): void {
  expect(error).toBeInstanceOf(ChannelError);
  expect(error).not.toBeInstanceOf(PermanentDeliveryError);
  expect(error).not.toBeInstanceOf(RetryAfterError);
  expect(statusOf(error)).toBe(status);
}
