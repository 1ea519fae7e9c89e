import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { StoredMessage } from '../../inbox/message-store';
import { DeliveryView } from './delivery.view';

export class FileView {
  @ApiPropertyOptional({ type: String, nullable: true }) name!: string | null;
  @ApiProperty() url!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) contentType!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) size!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) thumbnailUrl!: string | null;
}

/** A stored message, normalised, as the admin API shows it. */
export class MessageView {
  @ApiProperty() key!: string;
  @ApiProperty() from!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) to!: string | null;
  @ApiProperty() text!: string;
  @ApiProperty({ description: "Epoch ms, Kommunicate's stamp" }) timeStamp!: number;
  @ApiProperty({ description: 'When kommhook stored it' }) receivedAt!: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'group:555001' })
  conversationKey!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) groupId!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) clientGroupId!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) groupName!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) conversationId!: number | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true }) receiverConnected!: boolean | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) receiverLastSeenAtTime!: number | null;
  @ApiPropertyOptional({ type: FileView, nullable: true }) file!: FileView | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  metadata!: Record<string, string>;

  static of({ message }: StoredMessage): MessageView {
    return {
      ...message,
      metadata: { ...message.metadata },
      receivedAt: message.receivedAt.toISOString(),
    };
  }
}

export class MessagePage {
  @ApiProperty({ type: [MessageView] }) items!: MessageView[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page',
  })
  nextCursor!: string | null;
}

export class MessageDetail {
  @ApiProperty({ type: MessageView }) message!: MessageView;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The body as Kommunicate sent it, unknown fields included',
  })
  raw!: Record<string, unknown>;
  @ApiProperty({ type: [DeliveryView] }) deliveries!: DeliveryView[];
}
