import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MESSAGE_FIXTURES, type MessageFixtureName, messageFixture } from '../../delivery/testing';
import { pickMessageFields } from './pick-message-fields';
import { toMessageDto } from './to-message-dto';
import { toReceivedMessage } from './to-received-message';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kommunicate');
const names = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.replace(/\.json$/, ''));

/** What the webhook makes of a payload, received at `receivedAt`. */
const received = (payload: Record<string, unknown>, receivedAt: Date) =>
  toReceivedMessage(toMessageDto(pickMessageFields(payload)), receivedAt);

const payload = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;

// The testing kit embeds the fixtures (it may not read test/ at run time): they must not drift.
describe("the listener testing kit's message fixtures", () => {
  it('are the Kommunicate fixtures, every one of them', () => {
    expect(Object.keys(MESSAGE_FIXTURES).sort()).toEqual(names.sort());
  });

  it.each(names)('%s is what the webhook makes of the payload', (name) => {
    const file = payload(name);
    const receivedAt = new Date('2026-05-01T12:00:00Z');
    const fixture = messageFixture(name as MessageFixtureName, {
      key: file.key as string,
      timeStamp: Number(file.timeStamp),
      receivedAt,
    });
    expect(fixture).toEqual(received(file, receivedAt));
  });

  it.each([
    ['text-message', { groupId: 77 }],
    ['text-message', { groupId: null, clientGroupId: 'support-9' }],
    ['one-to-one-legacy', { from: 'zoe' }],
    ['system-message', { groupId: null, clientGroupId: null, to: null }],
  ] as const)('%s with %j is in the conversation the webhook would put it in', (name, ids) => {
    const receivedAt = new Date();
    const file: Record<string, unknown> = { ...payload(name), ...ids };
    const fixture = messageFixture(name, { ...ids, key: file.key as string, receivedAt });
    expect(fixture.conversationKey).toBe(received(file, receivedAt).conversationKey);
  });
});
