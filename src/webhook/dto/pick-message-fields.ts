import type { KommunicateMessageDto } from './kommunicate-message.dto';
import { normaliseMetadata, toBoolean, toIdText, toInteger } from './lenient.transforms';
import type { MessageFileDto } from './message-file.dto';

type Plain = Record<string, unknown>;
/** How a field is taken: as it is, or normalised first (numbers and booleans may come as text). */
type Kind = 'scalar' | 'integer' | 'boolean' | 'idText' | 'file' | 'metadata';

// Every field of the DTOs, checked by the compiler both ways: a field added to a DTO
// but not here would never reach it.
const MESSAGE_FIELDS = {
  key: 'scalar',
  from: 'scalar',
  message: 'scalar',
  timeStamp: 'integer',
  to: 'scalar',
  groupId: 'integer',
  clientGroupId: 'idText',
  groupName: 'scalar',
  conversationId: 'integer',
  receiverConnected: 'boolean',
  receiverLastSeenAtTime: 'integer',
  file: 'file',
  metadata: 'metadata',
} as const satisfies Record<keyof KommunicateMessageDto, Kind>;

const FILE_FIELDS = {
  name: 'scalar',
  url: 'scalar',
  contentType: 'scalar',
  size: 'integer',
  thumbnailUrl: 'scalar',
} as const satisfies Record<keyof MessageFileDto, Kind>;

const isPlainObject = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A value where a string, number or boolean belongs: an object or array becomes an empty
 * one. The validators judge only its type, so the verdict is the same.
 */
const scalar = (value: unknown): unknown =>
  Array.isArray(value) ? [] : isPlainObject(value) ? {} : value;

function pick(body: Plain, fields: Readonly<Record<string, Kind>>): Plain {
  const picked: Plain = {};
  for (const [field, kind] of Object.entries(fields)) {
    if (!Object.hasOwn(body, field)) continue;
    const value = pickValue(kind, body[field]);
    if (value !== undefined) picked[field] = value;
  }
  return picked;
}

function pickValue(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'file':
      return isPlainObject(value) ? pick(value, FILE_FIELDS) : scalar(value);
    case 'metadata':
      if (value === null) return undefined; // null metadata counts as absent
      return isPlainObject(value) ? normaliseMetadata(value) : scalar(value);
    case 'scalar':
      return scalar(value);
    case 'integer':
      return toInteger(scalar(value));
    case 'boolean':
      return toBoolean(scalar(value));
    case 'idText':
      return toIdText(scalar(value));
  }
}

/**
 * The part of a parsed webhook body that KommunicateMessageDto reads, in a fresh object of
 * bounded size, normalised as real senders need (numbers sent as text, ids sent as numbers,
 * metadata values of any type). Undocumented fields are left out: the stored raw payload
 * keeps them, and nothing after this step spends time on them.
 */
export function pickMessageFields(body: Plain): Plain {
  return pick(body, MESSAGE_FIELDS);
}
