import type { Cursor, Page } from '../common/query/query-params';
import type { WriteTransaction } from '../storage/group-commit';
import type { DeliveryStatus } from './delivery.tables';

export type { DeliveryStatus } from './delivery.tables';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'pending',
  'running',
  'done',
  'failed',
  'dead',
];

/** One (event, listener) pair to run: the outbox row written with its message. */
export interface NewDelivery {
  readonly id: string;
  readonly messageKey: string;
  readonly eventName: string;
  readonly eventId: string;
  readonly listener: string;
}

/**
 * A delivery row written with its message: leased (`running`) to the process
 * that accepted it, or already `dead` when the listener's filter failed on it.
 */
export interface OutboxRow extends NewDelivery {
  readonly status: 'running' | 'dead';
  /** The lease's end for a running row. */
  readonly nextAttemptAt: number | null;
  readonly lastError: string | null;
}

export interface Delivery extends NewDelivery {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** The next retry; for a running delivery, when its lease runs out. */
  readonly nextAttemptAt: Date | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly lastAttemptAt: Date | null;
  readonly lastDurationMs: number | null;
  readonly completedAt: Date | null;
}

/** How an attempt ended, as the dispatcher decided it. */
export type AttemptOutcome =
  | { readonly status: 'done' }
  | { readonly status: 'failed'; readonly error: string; readonly nextAttemptAt: number }
  /** A timer not due yet (NotDueError): `error` says until when. */
  | { readonly status: 'pending'; readonly error: string; readonly nextAttemptAt: number }
  | { readonly status: 'dead'; readonly error: string };

export interface AttemptRecord {
  /**
   * The lease the attempt ran under. The outcome is recorded only while the
   * delivery still holds it: one whose lease ran out may have been claimed and
   * finished by another instance, whose record must stand.
   */
  readonly heldUntil: number;
  readonly attempts: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: AttemptOutcome;
}

export interface DeliveryFilter {
  readonly status?: DeliveryStatus;
  readonly listener?: string;
  /** Created at or after, epoch ms. */
  readonly since?: number;
}

/**
 * The durable side of listener deliveries. Claims are atomic: a delivery is
 * handed to one caller until its lease runs out, also across instances.
 */
export abstract class DeliveryStore {
  /** An accepted message's outbox rows, inside the message's own transaction. */
  abstract writeOutbox(
    trx: WriteTransaction,
    rows: readonly OutboxRow[],
    now: number,
  ): Promise<void>;
  /** Takes up to `limit` due deliveries (retries, expired leases) and leases them until `leaseUntil`. */
  abstract claimDue(now: number, leaseUntil: number, limit: number): Promise<Delivery[]>;
  /** Extends the lease of a delivery still running under the lease we hold; false if it is not ours any more. */
  abstract renewLease(id: string, heldUntil: number, leaseUntil: number): Promise<boolean>;
  /** The outcomes of attempts, all in one write. */
  abstract recordAttempts(
    attempts: readonly { id: string; record: AttemptRecord }[],
  ): Promise<void>;
  /** Hands running deliveries back as due now (at shutdown, for those not started). */
  abstract release(ids: readonly string[], now: number): Promise<void>;
  /** Creates or resets deliveries to pending and due now, with a fresh retry schedule (replay). */
  abstract schedule(deliveries: readonly NewDelivery[], now: number): Promise<void>;
  /** Makes one delivery due now; null when there is no such delivery. */
  abstract retry(id: string, now: number): Promise<Delivery | null>;
  /** Makes every matching failed or dead delivery due now; answers how many. */
  abstract retryMany(filter: DeliveryFilter, now: number): Promise<number>;
  abstract findById(id: string): Promise<Delivery | null>;
  abstract forMessage(messageKey: string): Promise<Delivery[]>;
  /**
   * How many deliveries wait or failed, per status (`done` ones are left out:
   * counting them would read the whole table), and when the oldest was created.
   */
  abstract backlog(): Promise<{
    byStatus: Record<Exclude<DeliveryStatus, 'done'>, number>;
    oldestUnfinishedAt: number | null;
  }>;
  /** Newest first, by creation time. */
  abstract list(filter: DeliveryFilter, limit: number, cursor?: Cursor): Promise<Page<Delivery>>;
}
