import type { Cursor, Page } from '../common/query/query-params';
import type { ReceivedMessage } from '../webhook/events';
import type { OutboxRow } from './delivery-store';

export type SaveOutcome =
  | { readonly status: 'accepted'; readonly conversationStarted: boolean }
  | { readonly status: 'duplicate' };

/**
 * The delivery rows an accepted message owes, planned before its
 * transaction. Whether it starts a conversation is only known inside it, so
 * the rows of `conversation.started` are kept apart.
 */
export interface Outbox {
  readonly always: readonly OutboxRow[];
  readonly ifConversationStarted: readonly OutboxRow[];
}

/** A stored message as the store gives it back. */
export interface StoredMessage {
  readonly message: ReceivedMessage;
  /** The body as Kommunicate sent it. */
  readonly raw: string;
  /** It was the first message of its conversation. */
  readonly conversationStarted: boolean;
}

export interface MessageFilter {
  readonly conversation?: string;
  readonly from?: string;
  /** Received at or after, epoch ms. */
  readonly since?: number;
  /** Received before, epoch ms. */
  readonly until?: number;
}

/**
 * The store port. `save` is the one atomic step of accepting a message:
 * it inserts the message, records its conversation and writes its outbox in
 * one transaction, and tells a redelivered key apart even when copies arrive
 * at once. Failures to commit surface as StoreUnavailableError.
 */
export abstract class MessageStore {
  abstract save(message: ReceivedMessage, raw: string, outbox?: Outbox): Promise<SaveOutcome>;
  abstract findByKey(key: string): Promise<StoredMessage | null>;
  abstract findByKeys(keys: readonly string[]): Promise<Map<string, StoredMessage>>;
  /** Newest first, by received time. */
  abstract list(
    filter: MessageFilter,
    limit: number,
    cursor?: Cursor,
  ): Promise<Page<StoredMessage>>;
}
