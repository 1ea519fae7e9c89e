import { conversationKeyOf, MessageFile, ReceivedMessage } from '../../messages';
import type { KommunicateMessageDto } from './kommunicate-message.dto';

/** The validated DTO as the one normalised shape the rest of the service sees. */
export function toReceivedMessage(dto: KommunicateMessageDto, receivedAt: Date): ReceivedMessage {
  const file: MessageFile | null = dto.file
    ? {
        name: dto.file.name ?? null,
        url: dto.file.url,
        contentType: dto.file.contentType ?? null,
        size: dto.file.size ?? null,
        thumbnailUrl: dto.file.thumbnailUrl ?? null,
      }
    : null;
  return {
    key: dto.key,
    from: dto.from,
    to: dto.to ?? null,
    text: dto.message,
    timeStamp: dto.timeStamp,
    receivedAt,
    conversationKey: conversationKeyOf(dto),
    groupId: dto.groupId ?? null,
    clientGroupId: dto.clientGroupId ?? null,
    groupName: dto.groupName ?? null,
    conversationId: dto.conversationId ?? null,
    receiverConnected: dto.receiverConnected ?? null,
    receiverLastSeenAtTime: dto.receiverLastSeenAtTime ?? null,
    file,
    metadata: dto.metadata ?? {},
  };
}
