import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import type { SupportTables } from './support.tables';

/** A customer's wait as an alert sees it: open until an agent (not a bot) answers. */
export interface CustomerWait {
  readonly conversationKey: string;
  /** The customer message that started it, and its Kommunicate timeStamp (epoch ms). */
  readonly customerMessageKey: string;
  readonly startedAt: number;
  /** The first agent message at or after its start; null while no agent answered. */
  readonly answeredAt: number | null;
}

/** What support knows of a message, for an alert timer. */
export type WaitLookup =
  /** The support listener has not recorded the message yet: ask again later. */
  | { readonly status: 'unrecorded' }
  /** No alert belongs to it: not a customer's, or a wait already under way (or one an earlier wait covers). */
  | { readonly status: 'none' }
  | { readonly status: 'wait'; readonly wait: CustomerWait };

/**
 * Customer waits for alerts: a bot's answer ends a wait in the metrics, but
 * only an agent's answers the customer, so a wait a bot ended is still
 * covered by the first wait since the last agent message.
 */
@Injectable()
export class SupportWaits {
  private readonly db: Kysely<SupportTables>;

  constructor(database: Database) {
    this.db = tablesOf<SupportTables>(database);
  }

  /** The wait `messageKey` started, if it is the first customer message since an agent last wrote in its session. */
  async startedBy(messageKey: string): Promise<WaitLookup> {
    const message = await this.db
      .selectFrom('support_messages')
      .select(['role', 'conversation_key', 'at'])
      .where('message_key', '=', messageKey)
      .executeTakeFirst();
    if (!message) return { status: 'unrecorded' };
    const wait = await this.db
      .selectFrom('support_waits')
      .selectAll()
      .where('customer_message_key', '=', messageKey)
      .executeTakeFirst();
    if (message.role !== 'customer' || !wait) return { status: 'none' };
    const conversation = wait.conversation_key;
    const startedAt = Number(wait.started_at);
    const { lastAgent } = await this.db
      .selectFrom('support_messages')
      .select((eb) => eb.fn.max('at').as('lastAgent'))
      .where('conversation_key', '=', conversation)
      .where('role', '=', 'agent')
      .where('at', '<', startedAt)
      .executeTakeFirstOrThrow();
    let earlier = this.db
      .selectFrom('support_waits')
      .select('customer_message_key')
      .where('conversation_key', '=', conversation)
      .where('session_started_at', '=', wait.session_started_at)
      .where('started_at', '<', startedAt);
    if (lastAgent !== null) earlier = earlier.where('started_at', '>', Number(lastAgent));
    if (await earlier.executeTakeFirst()) return { status: 'none' };
    const answer = await this.db
      .selectFrom('support_messages')
      .select('at')
      .where('conversation_key', '=', conversation)
      .where('role', '=', 'agent')
      .where('at', '>=', startedAt)
      .orderBy('at')
      .limit(1)
      .executeTakeFirst();
    return {
      status: 'wait',
      wait: {
        conversationKey: conversation,
        customerMessageKey: messageKey,
        startedAt,
        answeredAt: answer ? Number(answer.at) : null,
      },
    };
  }

  /** Whether support has recorded the message (its role and place in the sessions). */
  async isRecorded(messageKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('support_messages')
      .select('message_key')
      .where('message_key', '=', messageKey)
      .executeTakeFirst();
    return row !== undefined;
  }
}
