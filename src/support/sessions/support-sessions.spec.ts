import { BusinessHours } from '../../common/time/business-hours';
import type { SupportRole } from '../roles/role-classifier';
import { distributionOf, figuresOf } from './distribution';
import { splitSessions, SupportMessage } from './support-sessions';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Wednesday 2026-11-25 08:00 UTC. */
const T0 = Date.parse('2026-11-25T08:00:00Z');
const OPEN: BusinessHours = {
  timeZone: 'UTC',
  windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: 9 * 60, to: 17 * 60 }],
  holidays: new Set(),
};

let n = 0;
const msg = (role: SupportRole, minutes: number, sender: string = role): SupportMessage => ({
  key: `k${(n += 1)}`,
  conversationKey: 'group:1',
  sender,
  role,
  at: T0 + minutes * MIN,
});

describe('splitSessions', () => {
  it('measures a customer session: first response, reply times and waits, on both clocks', () => {
    const messages = [
      msg('customer', 0, 'cust'), // 08:00, before opening
      msg('customer', 5, 'cust'),
      msg('agent', 70, 'ann'), // 09:10: first response, 70 min (10 business)
      msg('customer', 80, 'cust'),
      msg('agent', 83, 'bob'), // reply 3 min
      msg('customer', 90, 'cust'), // still waiting at the end
    ];
    const [session, ...rest] = splitSessions(messages, DAY, OPEN);
    expect(rest).toEqual([]);
    expect(session).toMatchObject({
      startedAt: T0,
      endedAt: T0 + 90 * MIN,
      firstMessageKey: messages[0].key,
      initiator: 'customer',
      customer: 'cust',
      agents: ['ann', 'bob'],
      messages: 6,
      customerMessages: 4,
      agentMessages: 2,
      botMessages: 0,
      firstCustomerAt: T0,
      firstResponse: { messageKey: messages[2].key, ms: 70 * MIN, businessMs: 10 * MIN },
      firstResponseWithBots: { messageKey: messages[2].key, ms: 70 * MIN },
      handoff: null,
      waitingSince: T0 + 90 * MIN,
    });
    expect(
      session.waits.map((wait) => [wait.customerMessageKey, wait.endedBy, wait.end?.ms ?? null]),
    ).toEqual([
      [messages[0].key, 'agent', 70 * MIN],
      [messages[3].key, 'agent', 3 * MIN],
      [messages[5].key, null, null],
    ]);
  });

  it('orders by timeStamp whatever the arrival, and counts a redelivered message once', () => {
    const customer = msg('customer', 600);
    const agent = msg('agent', 602);
    const lateCustomer = msg('customer', 601);
    const inOrder = splitSessions([customer, lateCustomer, agent], DAY, OPEN);
    const shuffled = splitSessions([agent, customer, agent, lateCustomer, customer], DAY, OPEN);
    expect(shuffled).toEqual(inOrder);
    expect(inOrder).toHaveLength(1);
    expect(inOrder[0]).toMatchObject({
      messages: 3,
      firstResponse: { ms: 2 * MIN },
      waitingSince: null,
    });
  });

  it('splits at the inactivity gap, a message exactly the gap later starting a new session', () => {
    const sessions = splitSessions(
      [msg('customer', 0), msg('agent', 10), msg('customer', 40), msg('agent', 41)],
      30 * MIN,
      OPEN,
    );
    expect(sessions.map((s) => [s.startedAt - T0, s.messages, s.firstResponse?.ms])).toEqual([
      [0, 2, 10 * MIN],
      [40 * MIN, 2, MIN],
    ]);
    // A late message that bridges the gap joins the two into one.
    const bridged = splitSessions(
      [msg('customer', 0), msg('agent', 10), msg('customer', 25), msg('customer', 40)],
      30 * MIN,
      OPEN,
    );
    expect(bridged).toHaveLength(1);
  });

  it('measures the hand-off when a bot answered first', () => {
    const messages = [
      msg('bot', 59), // greeting before the customer: starts nothing
      msg('customer', 60, 'cust'),
      msg('bot', 61),
      msg('customer', 62, 'cust'),
      msg('bot', 63), // the bot's last message before the human
      msg('agent', 75, 'ann'),
    ];
    const [session] = splitSessions(messages, DAY, OPEN);
    expect(session).toMatchObject({
      initiator: 'customer',
      firstResponse: { messageKey: messages[5].key, ms: 15 * MIN, businessMs: 15 * MIN },
      firstResponseWithBots: { messageKey: messages[2].key, ms: MIN },
      handoff: { messageKey: messages[5].key, ms: 12 * MIN },
      waitingSince: null,
    });
    // The bot's answers end waits too; the agent's message answered nobody waiting.
    expect(session.waits.map((wait) => [wait.endedBy, wait.end?.ms])).toEqual([
      ['bot', MIN],
      ['bot', MIN],
    ]);
  });

  it('tells an agent-initiated session, and one nobody answered', () => {
    const [outreach] = splitSessions(
      [msg('agent', 0, 'ann'), msg('customer', 30, 'cust'), msg('agent', 32, 'ann')],
      DAY,
      OPEN,
    );
    expect(outreach).toMatchObject({
      initiator: 'agent',
      customer: 'cust',
      firstCustomerAt: T0 + 30 * MIN,
      firstResponse: { ms: 2 * MIN },
    });
    const [unanswered] = splitSessions([msg('customer', 0), msg('customer', 3)], DAY, OPEN);
    expect(unanswered).toMatchObject({
      initiator: 'customer',
      firstResponse: null,
      firstResponseWithBots: null,
      handoff: null,
      waitingSince: T0,
    });
    expect(unanswered.waits).toHaveLength(1);
    const [botsOnly] = splitSessions([msg('bot', 0)], DAY, OPEN);
    expect(botsOnly).toMatchObject({ initiator: 'bot', customer: null, waits: [] });
  });
});

describe('distributions', () => {
  it('gives median and P90 interpolated, the mean, and the buckets', () => {
    expect(figuresOf([])).toEqual({ count: 0, medianMs: null, p90Ms: null, meanMs: null });
    expect(figuresOf([4000, 1000, 3000, 2000])).toEqual({
      count: 4,
      medianMs: 2500,
      p90Ms: 3700,
      meanMs: 2500,
    });
    const { buckets } = distributionOf([
      0,
      59_999,
      MIN,
      5 * MIN,
      16 * MIN,
      HOUR,
      4 * HOUR,
      DAY,
      9 * DAY,
    ]);
    expect(buckets).toEqual([
      { label: '0-1m', count: 2 },
      { label: '1-5m', count: 1 },
      { label: '5-15m', count: 1 },
      { label: '15-60m', count: 1 },
      { label: '1-4h', count: 1 },
      { label: '4-24h', count: 1 },
      { label: '24h+', count: 2 },
    ]);
  });
});
