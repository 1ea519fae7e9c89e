import { ConfigService } from '@nestjs/config';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { AllConfig } from '../../config/all-config';
import { PermanentDeliveryError } from '../../delivery';
import { IsTemplate, renderTemplate, templateValues } from '../templates';
import { Channel } from './channel.decorator';
import { postJson } from './http-post';
import { ChannelDto, NotificationChannel, type NotificationContext } from './notification-channel';

/**
 * Metadata key set on every reply kommhook sends; the rules engine ignores
 * messages that carry it, so a reply never triggers a rule (and no loop starts).
 */
export const KOMMHOOK_REPLY_MARKER = 'KOMMHOOK_REPLY';

export const KOMMUNICATE_SEND_PATH = '/rest/ws/message/v2/send';

/** The body of Kommunicate's send-message API. */
export interface KommunicateReplyPayload {
  groupId: string;
  message: string;
  fromUserName: string;
  metadata: Record<string, string>;
}

export class KommunicateReplyChannelDto extends ChannelDto {
  @IsString()
  @MaxLength(4000)
  @IsTemplate()
  template!: string;

  /** Defaults to KOMMUNICATE_REPLY_USER. */
  @IsOptional()
  @IsString()
  fromUserName?: string;
}

/** Answers in the conversation the message came from, as KOMMUNICATE_REPLY_USER. */
@Channel({
  type: 'kommunicate-reply',
  options: KommunicateReplyChannelDto,
  requires: ({ kommunicate }) =>
    kommunicate.apiKey === undefined
      ? 'kommunicate-reply needs KOMMUNICATE_API_KEY to be set'
      : undefined,
})
export class KommunicateReplyChannel extends NotificationChannel<KommunicateReplyChannelDto> {
  private readonly settings: AllConfig['notifications'];

  constructor(config: ConfigService<AllConfig, true>) {
    super();
    this.settings = config.get('notifications', { infer: true });
  }

  async send(config: KommunicateReplyChannelDto, context: NotificationContext): Promise<number> {
    const { apiUrl, apiKey, replyUser } = this.settings.kommunicate;
    if (!apiKey) throw new PermanentDeliveryError('KOMMUNICATE_API_KEY is not set');
    const { message } = context.event;
    // Kommunicate's API addresses conversations by group; a one-to-one chat has none.
    if (message.groupId === null) {
      throw new PermanentDeliveryError('the message has no groupId to reply in');
    }
    const payload: KommunicateReplyPayload = {
      groupId: String(message.groupId),
      // Plain text in a chat: nothing to escape.
      message: renderTemplate(config.template, templateValues(context.rule, context.event)),
      fromUserName: config.fromUserName ?? replyUser,
      metadata: { [KOMMHOOK_REPLY_MARKER]: 'true' },
    };
    return postJson(`${apiUrl}${KOMMUNICATE_SEND_PATH}`, payload, {
      headers: { 'Api-Key': apiKey, 'Content-Type': 'application/json' },
      timeoutMs: config.timeoutMs ?? this.settings.timeoutMs,
      label: 'kommunicate',
    });
  }
}
