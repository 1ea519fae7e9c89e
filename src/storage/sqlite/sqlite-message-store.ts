import { Injectable } from '@nestjs/common';
import { StoreUnavailableError } from '../../common/errors/app.exception';
import type { ReceivedMessage } from '../../webhook/events';
import { Database } from '../database';
import { MessageStore, SaveOutcome, StoredMessage } from '../message-store';
import { fromMessageRow, toMessageRow } from '../message-rows';

@Injectable()
export class SqliteMessageStore extends MessageStore {
  constructor(private readonly db: Database) {
    super();
  }

  async save(message: ReceivedMessage, raw: string): Promise<SaveOutcome> {
    const receivedAt = message.receivedAt.getTime();
    try {
      // Kysely's SQLite driver runs one transaction at a time on its one
      // connection, so the insert-or-nothing below is the atomic dedupe.
      return await this.db.transaction().execute(async (trx): Promise<SaveOutcome> => {
        const inserted = await trx
          .insertInto('messages')
          .values(toMessageRow(message, raw))
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        if (!inserted.numInsertedOrUpdatedRows) return { status: 'duplicate' };
        if (message.conversationKey === null)
          return { status: 'accepted', conversationStarted: false };

        const started = await trx
          .insertInto('conversations')
          .values({
            conversation_key: message.conversationKey,
            first_message_key: message.key,
            first_seen_at: receivedAt,
            last_seen_at: receivedAt,
            message_count: 1,
          })
          .onConflict((oc) => oc.column('conversation_key').doNothing())
          .executeTakeFirst();
        if (started.numInsertedOrUpdatedRows)
          return { status: 'accepted', conversationStarted: true };

        await trx
          .updateTable('conversations')
          .set((eb) => ({ last_seen_at: receivedAt, message_count: eb('message_count', '+', 1) }))
          .where('conversation_key', '=', message.conversationKey)
          .execute();
        return { status: 'accepted', conversationStarted: false };
      });
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  async findByKey(key: string): Promise<StoredMessage | null> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? { message: fromMessageRow(row), raw: row.raw } : null;
  }

  async count(): Promise<number> {
    const { count } = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }
}
