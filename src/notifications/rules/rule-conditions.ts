import type { AnyDomainEvent } from '../../messages';
import type { ConditionsDto } from './rule.dto';
import { isInside } from '../../common/time/weekly-window';

export type Condition = (event: AnyDomainEvent) => boolean;

/** `image/*` → /^image\/.*$/i; only `*` and `?` are special. */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .split('')
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`, 'i');
}

/**
 * One predicate for a rule's `when`: every condition given must hold. Built
 * once at start-up; it runs inside the accepting transaction, so it is plain
 * synchronous code over the event (time conditions read the event's time).
 */
export function compileConditions(when: ConditionsDto | undefined): Condition {
  if (!when) return () => true;
  const checks: Condition[] = [];
  const {
    receiverConnected,
    hasAttachment,
    contentType,
    text,
    conversation,
    from,
    metadata,
    time,
  } = when;

  if (receiverConnected !== undefined) {
    checks.push(({ message }) => message.receiverConnected === receiverConnected);
  }
  if (hasAttachment !== undefined) {
    checks.push(({ message }) => (message.file !== null) === hasAttachment);
  }
  if (contentType !== undefined) {
    const globs = contentType.map(globToRegExp);
    checks.push(({ message }) => {
      const type = message.file?.contentType;
      return type != null && globs.some((glob) => glob.test(type));
    });
  }
  if (text !== undefined) {
    const pattern = new RegExp(text.matches, text.ignoreCase ? 'i' : '');
    checks.push(({ message }) => pattern.test(message.text));
  }
  if (conversation !== undefined) {
    const wanted = new Set(conversation);
    checks.push(({ message }) =>
      [
        message.groupId === null ? null : String(message.groupId),
        message.clientGroupId,
        message.conversationKey,
      ].some((id) => id !== null && wanted.has(id)),
    );
  }
  if (from?.in !== undefined) {
    const senders = new Set(from.in);
    checks.push(({ message }) => senders.has(message.from));
  }
  if (from?.notIn !== undefined) {
    const senders = new Set(from.notIn);
    checks.push(({ message }) => !senders.has(message.from));
  }
  for (const [key, condition] of Object.entries(metadata ?? {})) {
    if (condition.exists !== undefined) {
      const exists = condition.exists;
      checks.push(({ message }) => Object.hasOwn(message.metadata, key) === exists);
    }
    if (condition.equals !== undefined) {
      const equals = condition.equals;
      checks.push(({ message }) => message.metadata[key] === equals);
    }
  }
  if (time?.inside) {
    const window = time.inside;
    checks.push((event) => isInside(event.occurredAt, window));
  }
  if (time?.outside) {
    const window = time.outside;
    checks.push((event) => !isInside(event.occurredAt, window));
  }
  return (event) => checks.every((check) => check(event));
}
