import { Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { StoreUnavailableError } from '../../common/errors/app.exception';
import type { Cursor, Page } from '../../common/query/query-params';
import type { ReceivedMessage } from '../../webhook/events';
import { Database } from '../database';
import { olderThan, toPage } from '../keyset';
import { newDeliveryRow } from '../delivery-rows';
import { MessageFilter, MessageStore, Outbox, SaveOutcome, StoredMessage } from '../message-store';
import { fromMessageRow, toMessageRow } from '../message-rows';
import type { MessagesTable } from '../tables';

@Injectable()
export class SqliteMessageStore extends MessageStore {
  constructor(private readonly db: Database) {
    super();
  }

  async save(message: ReceivedMessage, raw: string, outbox?: Outbox): Promise<SaveOutcome> {
    const receivedAt = message.receivedAt.getTime();
    try {
      // SQLite has one writer and these writes are serialised, so the
      // insert-or-nothing below is the atomic dedupe.
      return await this.db.write(async (trx): Promise<SaveOutcome> => {
        const inserted = await trx
          .insertInto('messages')
          .values(toMessageRow(message, raw))
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        if (!inserted.numInsertedOrUpdatedRows) return { status: 'duplicate' };

        let conversationStarted = false;
        if (message.conversationKey !== null) {
          const started = await trx
            .insertInto('conversations')
            .values({
              conversation_key: message.conversationKey,
              first_message_key: message.key,
              first_seen_at: receivedAt,
              last_seen_at: receivedAt,
              message_count: 1,
            })
            .onConflict((oc) =>
              oc.column('conversation_key').doUpdateSet((eb) => ({
                last_seen_at: receivedAt,
                message_count: eb('conversations.message_count', '+', 1),
              })),
            )
            .returning('first_message_key')
            .executeTakeFirstOrThrow();
          conversationStarted = started.first_message_key === message.key;
        }

        const deliveries = outbox?.plan(conversationStarted) ?? [];
        if (deliveries.length > 0) {
          await trx
            .insertInto('deliveries')
            .values(
              deliveries.map((delivery) =>
                newDeliveryRow(delivery, receivedAt, 'running', outbox!.leaseUntil),
              ),
            )
            .execute();
        }
        return { status: 'accepted', conversationStarted };
      });
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
    return this.db
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
