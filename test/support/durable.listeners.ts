import { PermanentDeliveryError, RetryAfterError } from '../../src/delivery';
import { DeliveryContext, DurableHandler, DurableListener } from '../../src/delivery';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../../src/messages';

export interface Attempt {
  readonly key: string;
  readonly deliveryId: string;
  readonly attempt: number;
  readonly at: number;
}

/**
 * A durable listener whose behaviour each test scripts per message key:
 * how many attempts fail, and how. Records every attempt.
 */
@DurableListener(MESSAGE_RECEIVED, 'test.scripted')
export class ScriptedListener implements DurableHandler<MessageReceivedEvent> {
  readonly attempts: Attempt[] = [];
  private readonly scripts = new Map<string, (attempt: number) => void>();

  /** `fail(n)` for the first n attempts with an ordinary error. */
  failFirst(key: string, failures: number): void {
    this.scripts.set(key, (attempt) => {
      if (attempt <= failures) throw new Error(`failure ${attempt} on purpose`);
    });
  }

  failPermanently(key: string): void {
    this.scripts.set(key, () => {
      throw new PermanentDeliveryError('this message can never be handled');
    });
  }

  retryAfter(key: string, waitMs: number): void {
    this.scripts.set(key, (attempt) => {
      if (attempt === 1) throw new RetryAfterError('come back later', Date.now() + waitMs);
    });
  }

  failAlways(key: string): void {
    this.scripts.set(key, () => {
      throw new Error('https://user:secret@sink.example/hook?token=abc answered 500');
    });
  }

  succeed(key: string): void {
    this.scripts.delete(key);
  }

  of(key: string): Attempt[] {
    return this.attempts.filter((attempt) => attempt.key === key);
  }

  handle(event: MessageReceivedEvent, delivery: DeliveryContext): Promise<void> {
    const { key } = event.message;
    this.attempts.push({
      key,
      deliveryId: delivery.deliveryId,
      attempt: delivery.attempt,
      at: Date.now(),
    });
    this.scripts.get(key)?.(delivery.attempt);
    return Promise.resolve();
  }
}
