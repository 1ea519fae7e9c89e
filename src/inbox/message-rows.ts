import type { Insertable, Selectable } from 'kysely';
import type { ReceivedMessage } from '../messages';
import type { MessagesTable } from './inbox.tables';

/** Every column a new message row fills, in the order the prepared insert binds them. */
export const MESSAGE_COLUMNS = [
  'key',
  'conversation_key',
  'from_user',
  'to_user',
  'text',
  'time_stamp',
  'received_at',
  'group_id',
  'client_group_id',
  'group_name',
  'conversation_id',
  'receiver_connected',
  'receiver_last_seen_at',
  'file_name',
  'file_url',
  'file_content_type',
  'file_size',
  'file_thumbnail_url',
  'metadata',
  'raw',
] as const satisfies readonly (keyof Insertable<MessagesTable>)[];

export function toMessageRow(message: ReceivedMessage, raw: string): Insertable<MessagesTable> {
  const { file } = message;
  return {
    key: message.key,
    conversation_key: message.conversationKey,
    from_user: message.from,
    to_user: message.to,
    text: message.text,
    time_stamp: message.timeStamp,
    received_at: message.receivedAt.getTime(),
    group_id: message.groupId,
    client_group_id: message.clientGroupId,
    group_name: message.groupName,
    conversation_id: message.conversationId,
    receiver_connected:
      message.receiverConnected === null ? null : Number(message.receiverConnected),
    receiver_last_seen_at: message.receiverLastSeenAtTime,
    file_name: file?.name ?? null,
    file_url: file?.url ?? null,
    file_content_type: file?.contentType ?? null,
    file_size: file?.size ?? null,
    file_thumbnail_url: file?.thumbnailUrl ?? null,
    metadata: JSON.stringify(message.metadata),
    raw,
  };
}

export function fromMessageRow(row: Selectable<MessagesTable>): ReceivedMessage {
  return {
    key: row.key,
    from: row.from_user,
    to: row.to_user,
    text: row.text,
    timeStamp: Number(row.time_stamp),
    receivedAt: new Date(Number(row.received_at)),
    conversationKey: row.conversation_key,
    groupId: row.group_id === null ? null : Number(row.group_id),
    clientGroupId: row.client_group_id,
    groupName: row.group_name,
    conversationId: row.conversation_id === null ? null : Number(row.conversation_id),
    receiverConnected: row.receiver_connected === null ? null : row.receiver_connected === 1,
    receiverLastSeenAtTime:
      row.receiver_last_seen_at === null ? null : Number(row.receiver_last_seen_at),
    file:
      row.file_url === null
        ? null
        : {
            name: row.file_name,
            url: row.file_url,
            contentType: row.file_content_type,
            size: row.file_size === null ? null : Number(row.file_size),
            thumbnailUrl: row.file_thumbnail_url,
          },
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}
