import { Injectable } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { Database } from '../storage/database';
import type { Tables } from '../storage/tables';
import type { ReceivedMessage } from '../webhook/events';
import { AnalyticsStore, AnalyticsSummary, hourBucket, TimeRange } from './analytics-store';

/**
 * Plain Kysely with `ON CONFLICT … DO UPDATE`, which SQLite and PostgreSQL
 * both speak: counters grow by the values the insert proposed (`excluded`).
 */
@Injectable()
export class SqlAnalyticsStore extends AnalyticsStore {
  constructor(private readonly db: Database) {
    super();
  }

  async recordMessage(message: ReceivedMessage): Promise<void> {
    const bucket = hourBucket(message.receivedAt);
    const size = message.file?.size ?? 0;
    await this.db.write(async (trx) => {
      if (!(await firstCount(trx, message.key, 'message'))) return;
      await trx
        .insertInto('analytics_hourly')
        .values({
          bucket_start: bucket,
          messages: 1,
          attachments: message.file ? 1 : 0,
          attachment_bytes: size,
          offline_messages: message.receiverConnected === false ? 1 : 0,
          conversations_started: 0,
        })
        .onConflict((oc) =>
          oc.column('bucket_start').doUpdateSet((eb) => ({
            messages: eb('analytics_hourly.messages', '+', eb.ref('excluded.messages')),
            attachments: eb('analytics_hourly.attachments', '+', eb.ref('excluded.attachments')),
            attachment_bytes: eb(
              'analytics_hourly.attachment_bytes',
              '+',
              eb.ref('excluded.attachment_bytes'),
            ),
            offline_messages: eb(
              'analytics_hourly.offline_messages',
              '+',
              eb.ref('excluded.offline_messages'),
            ),
          })),
        )
        .execute();
      if (message.conversationKey !== null) {
        await trx
          .insertInto('analytics_hourly_conversations')
          .values({ bucket_start: bucket, conversation_key: message.conversationKey, messages: 1 })
          .onConflict((oc) =>
            oc.columns(['bucket_start', 'conversation_key']).doUpdateSet((eb) => ({
              messages: eb('analytics_hourly_conversations.messages', '+', 1),
            })),
          )
          .execute();
      }
      await trx
        .insertInto('analytics_hourly_senders')
        .values({ bucket_start: bucket, sender: message.from, messages: 1 })
        .onConflict((oc) =>
          oc.columns(['bucket_start', 'sender']).doUpdateSet((eb) => ({
            messages: eb('analytics_hourly_senders.messages', '+', 1),
          })),
        )
        .execute();
      if (message.file) {
        await trx
          .insertInto('analytics_hourly_content_types')
          .values({
            bucket_start: bucket,
            content_type: message.file.contentType ?? 'unknown',
            attachments: 1,
            bytes: size,
          })
          .onConflict((oc) =>
            oc.columns(['bucket_start', 'content_type']).doUpdateSet((eb) => ({
              attachments: eb('analytics_hourly_content_types.attachments', '+', 1),
              bytes: eb('analytics_hourly_content_types.bytes', '+', eb.ref('excluded.bytes')),
            })),
          )
          .execute();
      }
    });
  }

  async recordConversationStarted(message: ReceivedMessage): Promise<void> {
    await this.db.write(async (trx) => {
      if (!(await firstCount(trx, message.key, 'conversation-started'))) return;
      await trx
        .insertInto('analytics_hourly')
        .values({
          bucket_start: hourBucket(message.receivedAt),
          messages: 0,
          attachments: 0,
          attachment_bytes: 0,
          offline_messages: 0,
          conversations_started: 1,
        })
        .onConflict((oc) =>
          oc.column('bucket_start').doUpdateSet((eb) => ({
            conversations_started: eb('analytics_hourly.conversations_started', '+', 1),
          })),
        )
        .execute();
    });
  }

  async summary(range: TimeRange, topLimit: number): Promise<AnalyticsSummary> {
    // Whole hour buckets: `since` is rounded down to its hour.
    const from =
      range.since === undefined ? Number.MIN_SAFE_INTEGER : hourBucket(new Date(range.since));
    const to = range.until ?? Number.MAX_SAFE_INTEGER;

    const totals = await this.db
      .selectFrom('analytics_hourly')
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .select((eb) => [
        eb.fn.sum<number>('messages').as('messages'),
        eb.fn.sum<number>('attachments').as('attachments'),
        eb.fn.sum<number>('attachment_bytes').as('attachmentBytes'),
        eb.fn.sum<number>('offline_messages').as('offlineMessages'),
        eb.fn.sum<number>('conversations_started').as('conversationsStarted'),
      ])
      .executeTakeFirstOrThrow();

    const conversations = await this.db
      .selectFrom('analytics_hourly_conversations')
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .select((eb) => eb.fn.count<number>('conversation_key').distinct().as('count'))
      .executeTakeFirstOrThrow();
    const senders = await this.db
      .selectFrom('analytics_hourly_senders')
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .select((eb) => eb.fn.count<number>('sender').distinct().as('count'))
      .executeTakeFirstOrThrow();

    const byContentType = await this.db
      .selectFrom('analytics_hourly_content_types')
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .select((eb) => [
        'content_type',
        eb.fn.sum<number>('attachments').as('attachments'),
        eb.fn.sum<number>('bytes').as('bytes'),
      ])
      .groupBy('content_type')
      .orderBy('attachments', 'desc')
      .orderBy('content_type')
      .execute();

    const topConversations = await this.db
      .selectFrom('analytics_hourly_conversations')
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .select((eb) => ['conversation_key', eb.fn.sum<number>('messages').as('messages')])
      .groupBy('conversation_key')
      .orderBy('messages', 'desc')
      .orderBy('conversation_key')
      .limit(topLimit)
      .execute();
    const topSenders = await this.db
      .selectFrom('analytics_hourly_senders')
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .select((eb) => ['sender', eb.fn.sum<number>('messages').as('messages')])
      .groupBy('sender')
      .orderBy('messages', 'desc')
      .orderBy('sender')
      .limit(topLimit)
      .execute();

    // SUM over no rows is NULL: Number(null) is 0.
    const messages = Number(totals.messages);
    const offlineMessages = Number(totals.offlineMessages);
    return {
      messages,
      attachments: Number(totals.attachments),
      attachmentBytes: Number(totals.attachmentBytes),
      offlineMessages,
      offlineShare: messages === 0 ? 0 : offlineMessages / messages,
      conversationsStarted: Number(totals.conversationsStarted),
      activeConversations: Number(conversations.count),
      senders: Number(senders.count),
      attachmentsByContentType: byContentType.map((row) => ({
        contentType: row.content_type,
        attachments: Number(row.attachments),
        bytes: Number(row.bytes),
      })),
      topConversations: topConversations.map((row) => ({
        conversationKey: row.conversation_key,
        messages: Number(row.messages),
      })),
      topSenders: topSenders.map((row) => ({ sender: row.sender, messages: Number(row.messages) })),
    };
  }
}

/**
 * Marks (message, aggregate) as counted; false when it already was. Deliveries
 * are at-least-once, so a retry or a replay must not count a message again.
 */
async function firstCount(
  trx: Transaction<Tables>,
  messageKey: string,
  kind: string,
): Promise<boolean> {
  const result = await trx
    .insertInto('analytics_counted')
    .values({ message_key: messageKey, kind })
    .onConflict((oc) => oc.columns(['message_key', 'kind']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows) === 1;
}
