import { Injectable } from '@nestjs/common';
import type { AnyDomainEvent, EventName } from '../messages';
import type { DurableHandler } from './durable-listener.decorator';
import { ListenerRegistry } from './listener-registry';

/**
 * Registers durable listeners that come from configuration rather than from
 * a decorated class (a notification rule per channel, say). Call it from
 * `onModuleInit`: listeners must be known before the application boots.
 */
@Injectable()
export class DurableListeners {
  constructor(private readonly registry: ListenerRegistry) {}

  register(listener: {
    /** Stable and stored with every delivery, as for @DurableListener. */
    readonly name: string;
    readonly events: readonly EventName[];
    readonly handler: DurableHandler<AnyDomainEvent>;
  }): void {
    this.registry.register(listener);
  }
}
