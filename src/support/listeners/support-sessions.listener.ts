import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/all-config';
import { DurableHandler, DurableListener } from '../../delivery';
import { MESSAGE_RECEIVED, MessageReceivedEvent } from '../../messages';
import { SupportRoles } from '../roles/support-roles';
import { SupportStore } from '../support-store';
import { SupportMetrics } from '../support.metrics';

/**
 * Records each message's role and recomputes its conversation's sessions, a
 * batch per write. Replay-safe: the sessions are recomputed from the stored
 * messages, and each response time is observed once.
 */
@DurableListener(MESSAGE_RECEIVED, 'support.sessions')
export class SupportSessionsListener implements DurableHandler<MessageReceivedEvent> {
  /** A batch recomputes each conversation once, however many of its messages it holds. */
  readonly batchDelayMs = 200;
  /** Off until SUPPORT_AGENTS, SUPPORT_BOTS or SUPPORT_ROLE_METADATA_KEY says who answers. */
  readonly enabled: boolean;

  constructor(
    private readonly store: SupportStore,
    private readonly roles: SupportRoles,
    private readonly metrics: SupportMetrics,
    config: ConfigService<AllConfig, true>,
  ) {
    this.enabled = config.get('support', { infer: true }).enabled;
  }

  /** A message without a conversation belongs to no session. */
  accepts(event: MessageReceivedEvent): boolean {
    return event.message.conversationKey !== null;
  }

  handle(event: MessageReceivedEvent): Promise<void> {
    return this.handleBatch([event]);
  }

  async handleBatch(events: readonly MessageReceivedEvent[]): Promise<void> {
    const fresh = await this.store.record(
      events.map(({ message }) => ({
        key: message.key,
        conversationKey: message.conversationKey!,
        sender: message.from,
        at: message.timeStamp,
        metadata: message.metadata,
        ...this.roles.classify(message.from, message.metadata),
      })),
    );
    this.metrics.observe(fresh);
  }
}
