import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { AnyDomainEvent } from '../messages';

/** `{{ field }}`: a field of the message or the event; unknown fields are caught at start-up. */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

const FIELDS = [
  'rule',
  'event',
  'key',
  'from',
  'to',
  'text',
  'conversation',
  'groupId',
  'clientGroupId',
  'groupName',
  'receivedAt',
  'timeStamp',
  'receiverConnected',
  'file.name',
  'file.url',
  'file.contentType',
  'file.size',
] as const;

/** The fields a template may use, as text; `metadata.<key>` comes on top. */
export function templateValues(rule: string, event: AnyDomainEvent): Record<string, string> {
  const { message } = event;
  const text = (value: string | number | boolean | null | undefined): string =>
    value === null || value === undefined ? '' : String(value);
  const values: Record<string, string> = {
    rule,
    event: event.name,
    key: message.key,
    from: message.from,
    to: text(message.to),
    text: message.text,
    conversation: text(message.conversationKey),
    groupId: text(message.groupId),
    clientGroupId: text(message.clientGroupId),
    groupName: text(message.groupName),
    receivedAt: message.receivedAt.toISOString(),
    timeStamp: new Date(message.timeStamp).toISOString(),
    receiverConnected: text(message.receiverConnected),
    'file.name': text(message.file?.name),
    'file.url': text(message.file?.url),
    'file.contentType': text(message.file?.contentType),
    'file.size': text(message.file?.size),
  };
  for (const [key, value] of Object.entries(message.metadata)) values[`metadata.${key}`] = value;
  return values;
}

/** The placeholders of a template that name no field; empty when it is fine. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1])
    .filter(
      (field) => !(FIELDS as readonly string[]).includes(field) && !field.startsWith('metadata.'),
    );
}

/** A template field of a channel's options: its placeholders must all name a field (any other check is the field's own). */
export const IsTemplate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isTemplate',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || unknownPlaceholders(value).length === 0,
        // Placeholder names only: the rest of the template may hold a secret from the environment.
        defaultMessage: (args) =>
          `unknown fields ${unknownPlaceholders(String(args?.value)).join(', ')}`,
      },
    },
    options,
  );

/** Fills the placeholders, each value passed through the channel's escaping. */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  escape: (value: string) => string = (value) => value,
): string {
  return template.replace(PLACEHOLDER, (_, field: string) => escape(values[field] ?? ''));
}

export const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/** Slack's mrkdwn: only these three are control characters. */
export const escapeSlack = (value: string): string =>
  value.replace(/[&<>]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[char] ?? char);
