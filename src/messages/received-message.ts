/** An attachment as Kommunicate describes it, normalised. */
export interface MessageFile {
  readonly name: string | null;
  readonly url: string;
  readonly contentType: string | null;
  readonly size: number | null;
  readonly thumbnailUrl: string | null;
}

/**
 * A Kommunicate message after validation and normalisation: the one shape
 * every listener sees. Absent optional fields are `null`, never `undefined`.
 */
export interface ReceivedMessage {
  readonly key: string;
  readonly from: string;
  readonly to: string | null;
  readonly text: string;
  /** Epoch ms, as Kommunicate stamped it. */
  readonly timeStamp: number;
  /** When kommhook committed it. */
  readonly receivedAt: Date;
  /**
   * Stable conversation identity: `group:<groupId>`, `client-group:<clientGroupId>`,
   * or `direct:<a>|<b>` for one-to-one chats; null when none can be told.
   */
  readonly conversationKey: string | null;
  readonly groupId: number | null;
  readonly clientGroupId: string | null;
  readonly groupName: string | null;
  readonly conversationId: number | null;
  readonly receiverConnected: boolean | null;
  readonly receiverLastSeenAtTime: number | null;
  readonly file: MessageFile | null;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The conversation a message belongs to (its `conversationKey`). Kommunicate
 * conversations are groups; legacy one-to-one chats are told by the pair of users.
 */
export function conversationKeyOf(ids: {
  readonly from: string;
  readonly to?: string | null;
  readonly groupId?: number | null;
  readonly clientGroupId?: string | null;
}): string | null {
  if (ids.groupId !== undefined && ids.groupId !== null) return `group:${ids.groupId}`;
  if (ids.clientGroupId) return `client-group:${ids.clientGroupId}`;
  if (ids.to) return `direct:${[ids.from, ids.to].sort().join('|')}`;
  return null;
}
