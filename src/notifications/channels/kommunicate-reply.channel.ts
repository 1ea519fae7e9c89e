import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/all-config';
import { PermanentDeliveryError } from '../../delivery';
import type { KommunicateReplyChannelDto } from '../rules/rule.dto';
import { renderTemplate, templateValues } from '../templates';
import { postJson } from './http-post';
import { NotificationChannel, type NotificationContext } from './notification-channel';

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

/** Answers in the conversation the message came from, as KOMMUNICATE_REPLY_USER. */
@Injectable()
export class KommunicateReplyChannel extends NotificationChannel<KommunicateReplyChannelDto> {
  readonly type = 'kommunicate-reply';
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
