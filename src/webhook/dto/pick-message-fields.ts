import type { KommunicateMessageDto } from './kommunicate-message.dto';
import { normaliseMetadata } from './lenient.transforms';
import type { MessageFileDto } from './message-file.dto';

type Plain = Record<string, unknown>;
type Kind = 'scalar' | 'file' | 'metadata';

// Every field of the DTOs, checked by the compiler both ways: a field added to a DTO
// but not here would never reach it.
const MESSAGE_FIELDS = {
  key: 'scalar',
  from: 'scalar',
  message: 'scalar',
  timeStamp: 'scalar',
  to: 'scalar',
  groupId: 'scalar',
  clientGroupId: 'scalar',
  groupName: 'scalar',
  conversationId: 'scalar',
  receiverConnected: 'scalar',
  receiverLastSeenAtTime: 'scalar',
  file: 'file',
  metadata: 'metadata',
} as const satisfies Record<keyof KommunicateMessageDto, Kind>;

const FILE_FIELDS = {
  name: 'scalar',
  url: 'scalar',
  contentType: 'scalar',
  size: 'scalar',
  thumbnailUrl: 'scalar',
} as const satisfies Record<keyof MessageFileDto, 'scalar'>;

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
  }
}

/**
 * The part of a parsed webhook body that KommunicateMessageDto reads, in a fresh object of
 * bounded size. class-transformer copies every key of every object it is given, in time
 * that grows with the square of their number: it must see neither the undocumented fields
 * (the stored raw payload keeps them) nor an object sent where a scalar belongs.
 */
export function pickMessageFields(body: Plain): Plain {
  return pick(body, MESSAGE_FIELDS);
}
