import { OnEvent } from '@nestjs/event-emitter';
import type { EventMap, EventName } from '../messages';

/**
 * Subscribes a method to a domain event in this process, best effort: it
 * runs after the commit, off the request path, and an error in it is logged
 * without reaching the sender or any other listener. Nothing is recorded: no
 * retry, no replay, and an event in flight when the process stops is lost.
 * For work that must happen, use @DurableListener.
 */
export function OnEventBestEffort<K extends EventName>(name: K) {
  const decorate = OnEvent(name, { async: true, promisify: true, suppressErrors: true });
  return <H extends (event: EventMap[K]) => unknown>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): void => {
    decorate(target, propertyKey, descriptor);
  };
}
