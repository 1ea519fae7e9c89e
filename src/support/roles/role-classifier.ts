export const SUPPORT_ROLES = ['agent', 'bot', 'customer'] as const;
export type SupportRole = (typeof SUPPORT_ROLES)[number];

export interface RoleSettings {
  readonly agents: readonly string[];
  readonly bots: readonly string[];
  readonly roleMetadataKey?: string;
  readonly replyUser: string;
}

export interface Classification {
  readonly role: SupportRole;
  /** Which setting decided it, in words an operator can check against the configuration. */
  readonly reason: string;
}

/** The metadata kommhook's own `kommunicate-reply` channel stamps its messages with. */
const KOMMHOOK_REPLY_MARKER = 'KOMMHOOK_REPLY';

const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.split('*').map(escape).join('.*')}$`);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Who wrote a message, first rule that applies winning:
 * 1. kommhook's own reply user (or its reply marker) is a bot;
 * 2. the role metadata key, when set and its value is agent, bot or customer;
 * 3. SUPPORT_BOTS, then SUPPORT_AGENTS (a sender in both is a bot);
 * 4. everyone else is a customer.
 */
export class RoleClassifier {
  private readonly bots: readonly { glob: string; pattern: RegExp }[];
  private readonly agents: readonly { glob: string; pattern: RegExp }[];

  constructor(private readonly settings: RoleSettings) {
    this.bots = settings.bots.map((glob) => ({ glob, pattern: globToRegExp(glob) }));
    this.agents = settings.agents.map((glob) => ({ glob, pattern: globToRegExp(glob) }));
  }

  classify(from: string, metadata: Readonly<Record<string, string>>): Classification {
    if (from === this.settings.replyUser) {
      return { role: 'bot', reason: 'KOMMUNICATE_REPLY_USER (kommhook replies)' };
    }
    if (metadata[KOMMHOOK_REPLY_MARKER] !== undefined) {
      return { role: 'bot', reason: `metadata ${KOMMHOOK_REPLY_MARKER} (kommhook replies)` };
    }
    const key = this.settings.roleMetadataKey;
    if (key !== undefined && Object.hasOwn(metadata, key)) {
      const value = metadata[key].trim().toLowerCase();
      if ((SUPPORT_ROLES as readonly string[]).includes(value)) {
        return { role: value as SupportRole, reason: `metadata ${key}=${value}` };
      }
    }
    const bot = this.bots.find(({ pattern }) => pattern.test(from));
    if (bot) return { role: 'bot', reason: `SUPPORT_BOTS ${bot.glob}` };
    const agent = this.agents.find(({ pattern }) => pattern.test(from));
    if (agent) return { role: 'agent', reason: `SUPPORT_AGENTS ${agent.glob}` };
    return { role: 'customer', reason: 'default (no setting names the sender)' };
  }
}
