import type { Generated } from 'kysely';

/** Columns hold epoch milliseconds for times and 0/1 for booleans, on every dialect. */
export interface MessagesTable {
  id: Generated<number>;
  key: string;
  conversation_key: string | null;
  from_user: string;
  to_user: string | null;
  text: string;
  time_stamp: number;
  received_at: number;
  group_id: number | null;
  client_group_id: string | null;
  group_name: string | null;
  conversation_id: number | null;
  receiver_connected: number | null;
  receiver_last_seen_at: number | null;
  file_name: string | null;
  file_url: string | null;
  file_content_type: string | null;
  file_size: number | null;
  file_thumbnail_url: string | null;
  /** JSON text of the normalised string → string metadata. */
  metadata: string;
  /** The body exactly as Kommunicate sent it, unknown fields included. */
  raw: string;
}

export interface ConversationsTable {
  conversation_key: string;
  first_message_key: string;
  first_seen_at: number;
}

export interface InboxTables {
  messages: MessagesTable;
  conversations: ConversationsTable;
}
