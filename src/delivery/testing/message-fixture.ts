import { randomUUID } from 'node:crypto';
import { conversationKeyOf, type ReceivedMessage } from '../../messages';

type FixtureFields = Omit<ReceivedMessage, 'receivedAt' | 'conversationKey'>;

/**
 * The sample payloads of test/fixtures/kommunicate/ as the webhook normalises
 * them, by file name: kept here so the kit reads nothing from test/ (it lives
 * in src/ and runs from any spec). src/webhook/dto/message-fixtures.spec.ts
 * holds them to what the webhook makes of those files.
 */
export const MESSAGE_FIXTURES = {
  'text-message': {
    key: '5-67f73984-2efe-4422-a522-d181cec5bd5d-1457958424015',
    from: 'sender-unique-id',
    to: null,
    text: 'message content',
    timeStamp: 1457958424000,
    groupId: 123456,
    clientGroupId: '123456',
    groupName: 'Conversation',
    conversationId: null,
    receiverConnected: true,
    receiverLastSeenAtTime: 1457958424000,
    file: null,
    metadata: {},
  },
  'attachment-with-metadata': {
    key: '5-0b1d2c3e-4f50-4a61-9b72-83c94da5e6f7-1461590467000',
    from: 'sender-user-id',
    to: null,
    text: 'message content',
    timeStamp: 1461590467000,
    groupId: 123456,
    clientGroupId: '123456',
    groupName: 'Conversation',
    conversationId: null,
    receiverConnected: null,
    receiverLastSeenAtTime: null,
    file: {
      name: 'name of attachment image.gif',
      url: 'https://example.com/attachments/abc.gif',
      contentType: 'image/gif',
      size: 28150,
      thumbnailUrl: 'https://example.com/attachments/abc-thumb.gif',
    },
    metadata: { key1: 'value1', key2: 'value2' },
  },
  'lenient-types': {
    key: '5-11112222-3333-4444-5555-666677778888-1700000100000',
    from: 'visitor-7',
    to: null,
    text: 'Where is my order #4411?',
    timeStamp: 1700000100000,
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
  },
  'one-to-one-legacy': {
    key: '5-67f73984-2efe-4422-a522-d181cec5bd5d-1457958424016',
    from: 'lee',
    to: 'kevin',
    text: 'hello kevin',
    timeStamp: 1457958424000,
    groupId: null,
    clientGroupId: null,
    groupName: null,
    conversationId: null,
    receiverConnected: null,
    receiverLastSeenAtTime: null,
    file: null,
    metadata: {},
  },
  'system-message': {
    key: '5-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d-1700000000000',
    from: 'agent-sejal',
    to: null,
    text: 'sejal created group Conversation',
    timeStamp: 1700000000000,
    groupId: 987654,
    clientGroupId: '987654',
    groupName: 'Conversation',
    conversationId: null,
    receiverConnected: false,
    receiverLastSeenAtTime: 1699999000000,
    file: null,
    metadata: { category: 'HIDDEN' },
  },
} as const satisfies Record<string, FixtureFields>;

export type MessageFixtureName = keyof typeof MESSAGE_FIXTURES;

/** How long before its commit a fixture message was sent: a typical webhook delay. */
const WEBHOOK_DELAY_MS = 250;

/**
 * A message as a listener receives it, from one of Kommunicate's sample
 * payloads: a fresh key on every call (a new message), received now and sent
 * a moment before, unless `overrides` says otherwise. Its `conversationKey`
 * follows the overridden `groupId`, `clientGroupId`, `from` or `to`, as the
 * webhook would derive it, unless it is overridden too.
 */
export function messageFixture(
  name: MessageFixtureName = 'text-message',
  overrides: Partial<ReceivedMessage> = {},
): ReceivedMessage {
  const fixture = MESSAGE_FIXTURES[name];
  const receivedAt = overrides.receivedAt ?? new Date();
  const timeStamp = overrides.timeStamp ?? receivedAt.getTime() - WEBHOOK_DELAY_MS;
  const fields = {
    ...fixture,
    key: `5-${randomUUID()}-${timeStamp}`,
    timeStamp,
    receivedAt,
    ...overrides,
  };
  const conversationKey =
    overrides.conversationKey !== undefined ? overrides.conversationKey : conversationKeyOf(fields);
  return { ...fields, conversationKey };
}
