import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ExpressionBuilder, Kysely, sql, type SelectQueryBuilder } from 'kysely';
import type { BusinessHours } from '../common/time/business-hours';
import type { AllConfig } from '../config/all-config';
import { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import type { SupportRole } from './roles/role-classifier';
import { Session, splitSessions, SupportMessage } from './sessions/support-sessions';
import {
  ClassifiedMessage,
  ExportedSession,
  FreshResponse,
  SenderRow,
  SessionPosition,
  SessionRow,
  SupportStore,
  TimeRange,
  WaitRow,
} from './support-store';
import type { SupportTables } from './support.tables';

/** Rows per insert: well under both stores' limits on bound parameters. */
const CHUNK = 100;

/** A condition on one of the tables a recompute reads or rewrites, by conversation and time. */
type Within = ExpressionBuilder<
  SupportTables,
  'support_messages' | 'support_sessions' | 'support_waits'
>;

const chunks = <T>(items: readonly T[]): T[][] => {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) parts.push(items.slice(i, i + CHUNK));
  return parts;
};

/**
 * The support port on the SQL store. A batch of messages is one write:
 * the messages, their senders, then each touched conversation's sessions
 * recomputed from its stored messages (the ones near the batch's, in
 * timeStamp order) and written over the old ones. Recomputing makes it
 * deterministic: a late, reordered or repeated message gives the figures
 * the messages give in order, however often it is delivered.
 */
@Injectable()
export class SqlSupportStore extends SupportStore {
  private readonly db: Kysely<SupportTables>;
  private readonly gapMs: number;
  private readonly hours: BusinessHours;

  constructor(
    private readonly database: Database,
    config: ConfigService<AllConfig, true>,
  ) {
    super();
    this.db = tablesOf<SupportTables>(database);
    const settings = config.get('support', { infer: true });
    this.gapMs = settings.sessionGapMs;
    this.hours = settings.businessHours;
  }

  async record(messages: readonly ClassifiedMessage[]): Promise<FreshResponse[]> {
    const unique = [...new Map(messages.map((message) => [message.key, message])).values()];
    const conversations = [...new Set(unique.map((message) => message.conversationKey))].sort();
    // Another instance may recompute the same conversation at once (PostgreSQL): write only the
    // whole, contended rows in a transaction of their own.
    return this.database.write(
      async (transaction) => {
        const trx = tablesOf<SupportTables>(transaction);
        if (this.database.dialect.name === 'postgres') {
          // One conversation's recompute at a time across instances; in key order, so no deadlock.
          for (const conversation of conversations) {
            await sql`select pg_advisory_xact_lock(hashtext(current_schema()), hashtext(${conversation}))`.execute(
              trx,
            );
          }
        }
        await this.insertMessages(trx, unique);
        await this.upsertSenders(trx, unique);
        const sessions = await this.recompute(trx, conversations, unique);
        return this.firstObservations(trx, sessions);
      },
      { contended: true },
    );
  }

  private async insertMessages(
    trx: Kysely<SupportTables>,
    messages: readonly ClassifiedMessage[],
  ): Promise<void> {
    for (const part of chunks(messages)) {
      await trx
        .insertInto('support_messages')
        .values(
          part.map((message) => ({
            message_key: message.key,
            conversation_key: message.conversationKey,
            sender: message.sender,
            role: message.role,
            role_reason: message.reason,
            at: message.at,
            observed_first: 0,
            observed_reply: 0,
          })),
        )
        // A replay after the settings changed classifies its message again.
        .onConflict((oc) =>
          oc.column('message_key').doUpdateSet((eb) => ({
            role: eb.ref('excluded.role'),
            role_reason: eb.ref('excluded.role_reason'),
          })),
        )
        .execute();
    }
  }

  private async upsertSenders(
    trx: Kysely<SupportTables>,
    messages: readonly ClassifiedMessage[],
  ): Promise<void> {
    const latest = new Map<string, ClassifiedMessage>();
    for (const message of messages) {
      const seen = latest.get(message.sender);
      if (!seen || message.at >= seen.at) latest.set(message.sender, message);
    }
    // The newest message decides; an older one arriving late changes nothing.
    const newer = sql<boolean>`excluded.last_at >= support_senders.last_at`;
    const pick = <T>(column: string) =>
      sql<T>`case when ${newer} then ${sql.ref(`excluded.${column}`)} else ${sql.ref(`support_senders.${column}`)} end`;
    for (const part of chunks([...latest.values()])) {
      await trx
        .insertInto('support_senders')
        .values(
          part.map((message) => ({
            sender: message.sender,
            role: message.role,
            role_reason: message.reason,
            metadata: JSON.stringify(message.metadata),
            last_at: message.at,
          })),
        )
        .onConflict((oc) =>
          oc.column('sender').doUpdateSet({
            role: pick<string>('role'),
            role_reason: pick<string>('role_reason'),
            metadata: pick<string>('metadata'),
            last_at: pick<number>('last_at'),
          }),
        )
        .execute();
    }
  }

  /**
   * Recomputes the sessions the new messages can change: in each touched
   * conversation, those within a gap of its new messages (a message can join,
   * split or merge only those), from every stored message between the first
   * and the last of them. All the batch's conversations at once: a handful of
   * statements per batch, not per conversation.
   */
  private async recompute(
    trx: Kysely<SupportTables>,
    conversations: readonly string[],
    touched: readonly ClassifiedMessage[],
  ): Promise<Session[]> {
    const spans = new Map<string, { low: number; high: number }>();
    for (const message of touched) {
      const span = spans.get(message.conversationKey);
      if (span) {
        span.low = Math.min(span.low, message.at);
        span.high = Math.max(span.high, message.at);
      } else spans.set(message.conversationKey, { low: message.at, high: message.at });
    }
    const near = await trx
      .selectFrom('support_sessions')
      .select(['conversation_key', 'started_at', 'ended_at'])
      .where((eb) =>
        eb.or(
          conversations.map((conversation) => {
            const { low, high } = spans.get(conversation)!;
            return eb.and([
              eb('conversation_key', '=', conversation),
              eb('ended_at', '>=', low - this.gapMs),
              eb('started_at', '<=', high + this.gapMs),
            ]);
          }),
        ),
      )
      .execute();
    for (const row of near) {
      const span = spans.get(row.conversation_key)!;
      span.low = Math.min(span.low, Number(row.started_at));
      span.high = Math.max(span.high, Number(row.ended_at));
    }
    const within = (column: 'at' | 'session_started_at' | 'started_at') => (eb: Within) =>
      eb.or(
        conversations.map((conversation) => {
          const { low, high } = spans.get(conversation)!;
          return eb.and([
            eb('conversation_key', '=', conversation),
            eb(column, '>=', low),
            eb(column, '<=', high),
          ]);
        }),
      );
    const rows = await trx
      .selectFrom('support_messages')
      .select(['message_key', 'conversation_key', 'sender', 'role', 'at'])
      .where(within('at'))
      .execute();
    const byConversation = new Map<string, SupportMessage[]>();
    for (const row of rows) {
      const messages = byConversation.get(row.conversation_key) ?? [];
      messages.push({
        key: row.message_key,
        conversationKey: row.conversation_key,
        sender: row.sender,
        role: row.role as SupportRole,
        at: Number(row.at),
      });
      byConversation.set(row.conversation_key, messages);
    }
    const sessions = conversations.flatMap((conversation) =>
      splitSessions(byConversation.get(conversation) ?? [], this.gapMs, this.hours),
    );

    await trx.deleteFrom('support_waits').where(within('session_started_at')).execute();
    await trx.deleteFrom('support_sessions').where(within('started_at')).execute();
    for (const part of chunks(sessions)) {
      await trx.insertInto('support_sessions').values(part.map(sessionColumns)).execute();
    }
    const waits = sessions.flatMap((session) => session.waits);
    for (const part of chunks(waits)) {
      await trx
        .insertInto('support_waits')
        .values(
          part.map((wait) => ({
            customer_message_key: wait.customerMessageKey,
            conversation_key: wait.conversationKey,
            session_started_at: wait.sessionStartedAt,
            started_at: wait.startedAt,
            ended_by: wait.endedBy,
            ended_at: wait.end?.at ?? null,
            reply_message_key: wait.end?.messageKey ?? null,
            wait_ms: wait.end?.ms ?? null,
            business_wait_ms: wait.end?.businessMs ?? null,
          })),
        )
        .execute();
    }
    return sessions;
  }

  /**
   * The first responses and agent replies of the sessions not observed
   * before, each marked on its agent message: a recompute or a replay
   * observes nothing again. (Marked in the same write; on PostgreSQL the
   * row lock makes a second instance's update find the mark.)
   */
  private async firstObservations(
    trx: Kysely<SupportTables>,
    sessions: readonly Session[],
  ): Promise<FreshResponse[]> {
    const fresh: FreshResponse[] = [];
    const firsts = new Map(
      sessions.flatMap((session) =>
        session.firstResponse ? [[session.firstResponse.messageKey, session.firstResponse]] : [],
      ),
    );
    const replies = new Map(
      sessions.flatMap((session) =>
        session.waits.flatMap((wait) =>
          wait.endedBy === 'agent' && wait.end ? [[wait.end.messageKey, wait.end]] : [],
        ),
      ),
    );
    for (const [kind, spans, column] of [
      ['first-response', firsts, 'observed_first'],
      ['reply', replies, 'observed_reply'],
    ] as const) {
      for (const part of chunks([...spans.keys()])) {
        const marked = await trx
          .updateTable('support_messages')
          .set({ [column]: 1 })
          .where('message_key', 'in', part)
          .where(column, '=', 0)
          .returning('message_key')
          .execute();
        for (const { message_key } of marked) {
          const span = spans.get(message_key)!;
          fresh.push({ kind, ms: span.ms, businessMs: span.businessMs });
        }
      }
    }
    return fresh;
  }

  async sessions(range: TimeRange): Promise<SessionRow[]> {
    const rows = await inRange(this.db.selectFrom('support_sessions'), 'started_at', range)
      .select([
        'initiator',
        'messages',
        'first_response_ms',
        'first_response_business_ms',
        'first_response_with_bots_ms',
        'first_response_with_bots_business_ms',
        'handoff_ms',
        'handoff_business_ms',
        'waiting_since',
      ])
      .execute();
    return rows.map((row) => ({
      initiator: row.initiator as SupportRole,
      messages: Number(row.messages),
      firstResponseMs: numberOrNull(row.first_response_ms),
      firstResponseBusinessMs: numberOrNull(row.first_response_business_ms),
      firstResponseWithBotsMs: numberOrNull(row.first_response_with_bots_ms),
      firstResponseWithBotsBusinessMs: numberOrNull(row.first_response_with_bots_business_ms),
      handoffMs: numberOrNull(row.handoff_ms),
      handoffBusinessMs: numberOrNull(row.handoff_business_ms),
      waitingSince: numberOrNull(row.waiting_since),
    }));
  }

  async sessionsAfter(
    range: TimeRange,
    after: SessionPosition | undefined,
    limit: number,
  ): Promise<ExportedSession[]> {
    let query = inRange(this.db.selectFrom('support_sessions'), 'started_at', range).selectAll();
    if (after) {
      // `>=` first, so the index on started_at bounds the scan; the key breaks ties.
      query = query.where((eb) =>
        eb.and([
          eb('started_at', '>=', after.startedAt),
          eb.or([
            eb('started_at', '>', after.startedAt),
            eb('conversation_key', '>', after.conversationKey),
          ]),
        ]),
      );
    }
    const sessions = await query
      .orderBy('started_at')
      .orderBy('conversation_key')
      .limit(limit)
      .execute();
    if (sessions.length === 0) return [];

    // The page's reply times in one grouped query: its conversations, within its starts.
    const replies = await this.db
      .selectFrom('support_waits')
      .where('ended_by', '=', 'agent')
      .where('conversation_key', 'in', [...new Set(sessions.map((row) => row.conversation_key))])
      .where('session_started_at', '>=', sessions[0].started_at)
      .where('session_started_at', '<=', sessions.at(-1)!.started_at)
      .groupBy(['conversation_key', 'session_started_at'])
      .select((eb) => [
        'conversation_key',
        'session_started_at',
        eb.fn.countAll<number>().as('replies'),
        eb.fn.sum<number>('wait_ms').as('total_ms'),
        eb.fn.sum<number>('business_wait_ms').as('total_business_ms'),
        eb.fn.max('wait_ms').as('longest_ms'),
        eb.fn.max('business_wait_ms').as('longest_business_ms'),
      ])
      .execute();
    const bySession = new Map(
      replies.map((row) => [`${Number(row.session_started_at)} ${row.conversation_key}`, row]),
    );
    return sessions.map((row) => {
      const reply = bySession.get(`${Number(row.started_at)} ${row.conversation_key}`);
      const count = reply ? Number(reply.replies) : 0;
      const mean = (total: number | undefined) =>
        count === 0 ? null : Math.round(Number(total) / count);
      return {
        conversationKey: row.conversation_key,
        startedAt: Number(row.started_at),
        endedAt: Number(row.ended_at),
        initiator: row.initiator as SupportRole,
        customer: row.customer,
        agents: JSON.parse(row.agents) as string[],
        messages: Number(row.messages),
        customerMessages: Number(row.customer_messages),
        agentMessages: Number(row.agent_messages),
        botMessages: Number(row.bot_messages),
        firstResponseMs: numberOrNull(row.first_response_ms),
        firstResponseBusinessMs: numberOrNull(row.first_response_business_ms),
        replies: count,
        meanReplyMs: mean(reply?.total_ms),
        meanReplyBusinessMs: mean(reply?.total_business_ms),
        longestWaitMs: numberOrNull(reply?.longest_ms ?? null),
        longestWaitBusinessMs: numberOrNull(reply?.longest_business_ms ?? null),
        waitingSince: numberOrNull(row.waiting_since),
      };
    });
  }

  async replyTimes(range: TimeRange): Promise<{ ms: number; businessMs: number }[]> {
    const rows = await inRange(this.db.selectFrom('support_waits'), 'ended_at', range)
      .where('ended_by', '=', 'agent')
      .select(['wait_ms', 'business_wait_ms'])
      .execute();
    return rows.map((row) => ({
      ms: Number(row.wait_ms),
      businessMs: Number(row.business_wait_ms),
    }));
  }

  async messagesByRole(range: TimeRange): Promise<{ role: SupportRole; messages: number }[]> {
    const rows = await inRange(this.db.selectFrom('support_messages'), 'at', range)
      .select(['role', (eb) => eb.fn.countAll<number>().as('messages')])
      .groupBy('role')
      .execute();
    return rows.map((row) => ({ role: row.role as SupportRole, messages: Number(row.messages) }));
  }

  async customerMessageSlots(
    range: TimeRange,
    slotMs: number,
  ): Promise<{ slot: number; messages: number }[]> {
    const slot = sql<number>`at - at % ${sql.lit(slotMs)}`;
    const rows = await inRange(this.db.selectFrom('support_messages'), 'at', range)
      .where('role', '=', 'customer')
      .select([slot.as('slot'), (eb) => eb.fn.countAll<number>().as('messages')])
      .groupBy(slot)
      .execute();
    return rows.map((row) => ({ slot: Number(row.slot), messages: Number(row.messages) }));
  }

  async longestWaits(
    range: TimeRange,
    limit: number,
  ): Promise<{ answered: WaitRow[]; open: WaitRow[] }> {
    const base = inRange(this.db.selectFrom('support_waits'), 'started_at', range).selectAll();
    const answered = await base
      .where('ended_by', '=', 'agent')
      .orderBy('wait_ms', 'desc')
      .orderBy('customer_message_key')
      .limit(limit)
      .execute();
    const open = await base
      .where('ended_by', 'is', null)
      .orderBy('started_at')
      .orderBy('customer_message_key')
      .limit(limit)
      .execute();
    const toRow = (row: (typeof answered)[number]): WaitRow => ({
      conversationKey: row.conversation_key,
      sessionStartedAt: Number(row.session_started_at),
      customerMessageKey: row.customer_message_key,
      startedAt: Number(row.started_at),
      endedAt: numberOrNull(row.ended_at),
      replyMessageKey: row.reply_message_key,
      waitMs: numberOrNull(row.wait_ms),
      businessWaitMs: numberOrNull(row.business_wait_ms),
    });
    return { answered: answered.map(toRow), open: open.map(toRow) };
  }

  async recentSenders(limit: number): Promise<SenderRow[]> {
    const rows = await this.db
      .selectFrom('support_senders')
      .selectAll()
      .orderBy('last_at', 'desc')
      .orderBy('sender')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      sender: row.sender,
      role: row.role as SupportRole,
      reason: row.role_reason,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      lastAt: Number(row.last_at),
    }));
  }
}

const numberOrNull = (value: number | null): number | null =>
  value === null ? null : Number(value);

/** `column` in `[since, until)`, either bound optional. */
function inRange<T extends keyof SupportTables, O>(
  query: SelectQueryBuilder<SupportTables, T, O>,
  column: 'started_at' | 'ended_at' | 'at',
  range: TimeRange,
): SelectQueryBuilder<SupportTables, T, O> {
  let ranged = query;
  if (range.since !== undefined) ranged = ranged.where(sql.ref(column), '>=', range.since);
  if (range.until !== undefined) ranged = ranged.where(sql.ref(column), '<', range.until);
  return ranged;
}

function sessionColumns(session: Session): SupportTables['support_sessions'] {
  return {
    conversation_key: session.conversationKey,
    started_at: session.startedAt,
    ended_at: session.endedAt,
    first_message_key: session.firstMessageKey,
    initiator: session.initiator,
    customer: session.customer,
    agents: JSON.stringify(session.agents),
    messages: session.messages,
    customer_messages: session.customerMessages,
    agent_messages: session.agentMessages,
    bot_messages: session.botMessages,
    first_customer_at: session.firstCustomerAt,
    first_response_ms: session.firstResponse?.ms ?? null,
    first_response_business_ms: session.firstResponse?.businessMs ?? null,
    first_response_with_bots_ms: session.firstResponseWithBots?.ms ?? null,
    first_response_with_bots_business_ms: session.firstResponseWithBots?.businessMs ?? null,
    handoff_ms: session.handoff?.ms ?? null,
    handoff_business_ms: session.handoff?.businessMs ?? null,
    waiting_since: session.waitingSince,
  };
}
