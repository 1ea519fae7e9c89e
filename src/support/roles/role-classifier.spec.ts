import { RoleClassifier } from './role-classifier';

describe('RoleClassifier', () => {
  const classifier = new RoleClassifier({
    agents: ['alice@acme.test', '*@acme.test', 'agent-*'],
    bots: ['bot@acme.test', 'kbot-*'],
    roleMetadataKey: 'senderRole',
    replyUser: 'kommhook-bot',
  });

  it.each([
    ['alice@acme.test', {}, 'agent', 'SUPPORT_AGENTS alice@acme.test'],
    ['bob@acme.test', {}, 'agent', 'SUPPORT_AGENTS *@acme.test'],
    ['agent-7', {}, 'agent', 'SUPPORT_AGENTS agent-*'],
    // In both lists: the bot list wins.
    ['bot@acme.test', {}, 'bot', 'SUPPORT_BOTS bot@acme.test'],
    ['kbot-faq', {}, 'bot', 'SUPPORT_BOTS kbot-*'],
    ['kommhook-bot', { senderRole: 'agent' }, 'bot', 'KOMMUNICATE_REPLY_USER (kommhook replies)'],
    ['visitor', { KOMMHOOK_REPLY: 'true' }, 'bot', 'metadata KOMMHOOK_REPLY (kommhook replies)'],
    // The metadata key outranks the lists; a value it does not know is ignored.
    ['alice@acme.test', { senderRole: 'Customer' }, 'customer', 'metadata senderRole=customer'],
    ['visitor', { senderRole: 'bot' }, 'bot', 'metadata senderRole=bot'],
    ['agent-7', { senderRole: 'manager' }, 'agent', 'SUPPORT_AGENTS agent-*'],
    ['visitor', {}, 'customer', 'default (no setting names the sender)'],
    // A glob matches the whole id, and its other characters literally.
    ['xagent-7', {}, 'customer', 'default (no setting names the sender)'],
    ['alice@acmextest', {}, 'customer', 'default (no setting names the sender)'],
  ])('%s %j is %s (%s)', (from, metadata, role, reason) => {
    expect(classifier.classify(from, metadata)).toEqual({ role, reason });
  });

  it('makes everyone but the reply user a customer when nothing is configured', () => {
    const bare = new RoleClassifier({ agents: [], bots: [], replyUser: 'kommhook-bot' });
    expect(bare.classify('agent-7', { senderRole: 'agent' }).role).toBe('customer');
    expect(bare.classify('kommhook-bot', {}).role).toBe('bot');
  });
});
