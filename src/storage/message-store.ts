import type { ReceivedMessage } from '../webhook/events';

export type SaveOutcome =
  | { readonly status: 'accepted'; readonly conversationStarted: boolean }
  | { readonly status: 'duplicate' };

/** A stored message as the store gives it back. */
export interface StoredMessage {
  readonly message: ReceivedMessage;
  /** The body as Kommunicate sent it. */
  readonly raw: string;
}

/**
 * The store port. `save` is the one atomic step of accepting a message:
 * it inserts the message and records its conversation in one transaction,
 * and tells a redelivered key apart even when copies arrive at once.
 * Failures to commit surface as StoreUnavailableError.
 */
export abstract class MessageStore {
  abstract save(message: ReceivedMessage, raw: string): Promise<SaveOutcome>;
  abstract findByKey(key: string): Promise<StoredMessage | null>;
  abstract count(): Promise<number>;
}
