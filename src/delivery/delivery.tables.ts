export type DeliveryStatus = 'pending' | 'running' | 'done' | 'failed' | 'dead';

export interface DeliveriesTable {
  id: string;
  message_key: string;
  event_name: string;
  event_id: string;
  listener: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  last_attempt_at: number | null;
  last_duration_ms: number | null;
  completed_at: number | null;
}

export interface DeliveryTables {
  deliveries: DeliveriesTable;
}
