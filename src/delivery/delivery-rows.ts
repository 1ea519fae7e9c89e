import type { Insertable, Selectable } from 'kysely';
import type { Delivery, NewDelivery, OutboxRow } from './delivery-store';
import type { DeliveriesTable, DeliveryStatus } from './delivery.tables';

export function newDeliveryRow(
  delivery: NewDelivery,
  now: number,
  status: Extract<DeliveryStatus, 'pending' | 'running'>,
  nextAttemptAt: number,
): Insertable<DeliveriesTable> {
  return {
    id: delivery.id,
    message_key: delivery.messageKey,
    event_name: delivery.eventName,
    event_id: delivery.eventId,
    listener: delivery.listener,
    status,
    attempts: 0,
    next_attempt_at: nextAttemptAt,
    created_at: now,
    updated_at: now,
  };
}

/** The columns an outbox row fills, for the prepared multi-row insert. */
export const DELIVERY_COLUMNS = [
  'id',
  'message_key',
  'event_name',
  'event_id',
  'listener',
  'status',
  'attempts',
  'next_attempt_at',
  'last_error',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Insertable<DeliveriesTable>)[];

/** The columns of an outbox row, for a prepared multi-row insert. */
export function outboxRowValues(row: OutboxRow, now: number): Insertable<DeliveriesTable> {
  return {
    id: row.id,
    message_key: row.messageKey,
    event_name: row.eventName,
    event_id: row.eventId,
    listener: row.listener,
    status: row.status,
    attempts: 0,
    next_attempt_at: row.nextAttemptAt,
    last_error: row.lastError,
    created_at: now,
    updated_at: now,
  };
}

const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(Number(ms)));

export function fromDeliveryRow(row: Selectable<DeliveriesTable>): Delivery {
  return {
    id: row.id,
    messageKey: row.message_key,
    eventName: row.event_name,
    eventId: row.event_id,
    listener: row.listener,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    lastAttemptAt: dateOrNull(row.last_attempt_at),
    lastDurationMs: row.last_duration_ms === null ? null : Number(row.last_duration_ms),
    completedAt: dateOrNull(row.completed_at),
  };
}
