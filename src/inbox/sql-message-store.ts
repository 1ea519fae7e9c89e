import { Injectable } from '@nestjs/common';
import type { Insertable, Kysely, Selectable } from 'kysely';
import { StoreUnavailableError } from '../common/errors/app.exception';
import type { Cursor, Page } from '../common/query/query-params';
import type { ReceivedMessage } from '../messages';
import { Database } from '../storage/database';
import { tablesOf } from '../storage/group-commit';
import { olderThan, toPage } from '../storage/keyset';
import { columnsOf, PreparedQuery } from '../storage/prepared-query';
import type { InboxTables, MessagesTable } from './inbox.tables';
import {
  MessageFilter,
  MessageStore,
  OutboxWriter,
  SaveOutcome,
  StoredMessage,
} from './message-store';
import { fromMessageRow, MESSAGE_COLUMNS, toMessageRow } from './message-rows';

@Injectable()
export class SqlMessageStore extends MessageStore {
  private readonly query: Kysely<InboxTables> = tablesOf<InboxTables>(this.db);
  // The webhook's path: built and compiled once, run with each message's values.
  private readonly insertMessage = new PreparedQuery<Insertable<MessagesTable>>((row) =>
    this.query
      .insertInto('messages')
      .values(columnsOf(row, MESSAGE_COLUMNS))
      .onConflict((oc) => oc.column('key').doNothing()),
  );
  private readonly touchConversation = new PreparedQuery<
    { key: string; messageKey: string; at: number },
    { first_message_key: string }
  >((p) =>
    this.query
      .insertInto('conversations')
      .values({
        conversation_key: p.key,
        first_message_key: p.messageKey,
        first_seen_at: p.at,
      })
      // Only the first message of a conversation writes its row: no lock on it afterwards.
      .onConflict((oc) => oc.column('conversation_key').doNothing())
      .returning('first_message_key'),
  );

  constructor(private readonly db: Database) {
    super();
  }

  async save(message: ReceivedMessage, raw: string, outbox?: OutboxWriter): Promise<SaveOutcome> {
    const receivedAt = message.receivedAt.getTime();
    const row = toMessageRow(message, raw);
    try {
      // One writer at a time (SQLite) or the unique key (PostgreSQL): insert-or-nothing is the dedupe.
      return await this.db.write(
        async (trx): Promise<SaveOutcome> => {
          const inserted = await this.insertMessage.run(trx, row);
          if (!inserted.numAffectedRows) return { status: 'duplicate' };

          let conversationStarted = false;
          if (message.conversationKey !== null) {
            const { rows } = await this.touchConversation.run(trx, {
              key: message.conversationKey,
              messageKey: message.key,
              at: receivedAt,
            });
            conversationStarted = rows[0]?.first_message_key === message.key;
          }

          await outbox?.(trx, conversationStarted);
          return { status: 'accepted', conversationStarted };
        },
        { lockOrder: message.key },
      );
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  async findByKey(key: string): Promise<StoredMessage | null> {
    const row = await this.withConversation().where('messages.key', '=', key).executeTakeFirst();
    return row ? toStored(row) : null;
  }

  async findByKeys(keys: readonly string[]): Promise<Map<string, StoredMessage>> {
    if (keys.length === 0) return new Map();
    const rows = await this.withConversation().where('messages.key', 'in', keys).execute();
    return new Map(rows.map((row) => [row.key, toStored(row)]));
  }

  async list(filter: MessageFilter, limit: number, cursor?: Cursor): Promise<Page<StoredMessage>> {
    let query = this.withConversation();
    if (filter.conversation !== undefined)
      query = query.where('messages.conversation_key', '=', filter.conversation);
    if (filter.from !== undefined) query = query.where('messages.from_user', '=', filter.from);
    if (filter.since !== undefined) query = query.where('messages.received_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('messages.received_at', '<', filter.until);
    if (cursor !== undefined) {
      query = query.where((eb) =>
        olderThan(eb, 'messages.received_at', 'messages.id', { ...cursor, id: Number(cursor.id) }),
      );
    }
    const rows = await query
      .orderBy('messages.received_at', 'desc')
      .orderBy('messages.id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toStored, (row) => ({ at: Number(row.received_at), id: row.id }));
  }

  private withConversation() {
    return this.query
      .selectFrom('messages')
      .leftJoin('conversations', 'conversations.conversation_key', 'messages.conversation_key')
      .selectAll('messages')
      .select('conversations.first_message_key');
  }
}

type MessageWithConversation = Selectable<MessagesTable> & { first_message_key: string | null };

function toStored(row: MessageWithConversation): StoredMessage {
  return {
    message: fromMessageRow(row),
    raw: row.raw,
    conversationStarted: row.first_message_key === row.key,
  };
}
