import type { Cursor, Page } from '../common/query/query-params';
import type { ReceivedMessage } from '../messages';
import type { WriteTransaction } from '../storage/group-commit';

export type SaveOutcome =
  | { readonly status: 'accepted'; readonly conversationStarted: boolean }
  | { readonly status: 'duplicate' };

/**
 * Writes what an accepted message owes to others (its delivery rows) inside
 * the message's own transaction, once the store knows whether the message
 * started its conversation. The inbox knows nothing of those rows.
 */
export type OutboxWriter = (trx: WriteTransaction, conversationStarted: boolean) => Promise<void>;

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
  abstract save(message: ReceivedMessage, raw: string, outbox?: OutboxWriter): Promise<SaveOutcome>;
  abstract findByKey(key: string): Promise<StoredMessage | null>;
  abstract findByKeys(keys: readonly string[]): Promise<Map<string, StoredMessage>>;
  /** Newest first, by received time. */
  abstract list(
    filter: MessageFilter,
    limit: number,
    cursor?: Cursor,
  ): Promise<Page<StoredMessage>>;
}
