import { ConfigService } from '@nestjs/config';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsHttpUrl } from '../../common/validation/is-http-url.decorator';
import type { AllConfig } from '../../config/all-config';
import { escapeSlack, IsTemplate, renderTemplate, templateValues } from '../templates';
import { alertHeadline } from './alert-notice';
import { Channel } from './channel.decorator';
import { postJson } from './http-post';
import { ChannelDto, NotificationChannel, type NotificationContext } from './notification-channel';

export const DEFAULT_SLACK_TEMPLATE = 'New message from {{from}} in {{conversation}}: {{text}}';

// Slack rejects the whole message (400, permanent) when a block's text is too
// long or empty, so both are kept within bounds.
const FIELD_MAX = 2000;
const SECTION_MAX = 3000;

export class SlackChannelDto extends ChannelDto {
  /** An incoming webhook. */
  @IsHttpUrl({ message: 'url must be an http(s) URL' })
  url!: string;

  @IsOptional()
  @IsString()
  @MaxLength(4000)
  @IsTemplate()
  template?: string;
}

interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

/**
 * The body of a Slack incoming webhook:
 *
 *     {
 *       "text": "<the rendered template>",            // notification and fallback text
 *       "blocks": [
 *         { "type": "section", "fields": [
 *             { "type": "mrkdwn", "text": "*From*\n<from>" },
 *             { "type": "mrkdwn", "text": "*Conversation*\n<conversation>" } ] },
 *         { "type": "section", "text": { "type": "mrkdwn", "text": "<message text>" } }
 *       ]
 *     }
 *
 * Every message value is escaped for mrkdwn (`&`, `<`, `>`), so a message
 * cannot mention @channel or forge a link. The text block is left out when
 * the message has no text (an attachment only).
 */
export interface SlackPayload {
  text: string;
  blocks: ({ type: 'section'; fields: MrkdwnText[] } | { type: 'section'; text: MrkdwnText })[];
}

@Channel({ type: 'slack', options: SlackChannelDto })
export class SlackChannel extends NotificationChannel<SlackChannelDto> {
  private readonly defaultTimeoutMs: number;

  constructor(config: ConfigService<AllConfig, true>) {
    super();
    this.defaultTimeoutMs = config.get('notifications', { infer: true }).timeoutMs;
  }

  async send(config: SlackChannelDto, context: NotificationContext): Promise<number> {
    return postJson(config.url, slackPayload(config, context), {
      timeoutMs: config.timeoutMs ?? this.defaultTimeoutMs,
      label: 'slack',
    });
  }
}

export function slackPayload(config: SlackChannelDto, context: NotificationContext): SlackPayload {
  const values = templateValues(context.rule, context.event);
  const blocks: SlackPayload['blocks'] = [
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: mrkdwn(`*From*\n`, values.from, FIELD_MAX) },
        { type: 'mrkdwn', text: mrkdwn(`*Conversation*\n`, values.conversation, FIELD_MAX) },
      ],
    },
  ];
  if (values.text !== '') {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: mrkdwn('', values.text, SECTION_MAX) },
    });
  }
  const text = renderTemplate(config.template ?? DEFAULT_SLACK_TEMPLATE, values, escapeSlack);
  if (!context.alert) return { text, blocks };
  // An alert leads with what happened; a resolution needs no message text.
  const headline = escapeSlack(alertHeadline(context.alert));
  if (context.alert.kind === 'resolved') return { text: headline, blocks: blocks.slice(0, 1) };
  return { text: config.template ? text : `${headline}: ${escapeSlack(values.text)}`, blocks };
}

/** `prefix` + the escaped value, cut to `max` characters without splitting an entity. */
function mrkdwn(prefix: string, value: string, max: number): string {
  const text = prefix + escapeSlack(value);
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]*$/, '')}…`;
}
