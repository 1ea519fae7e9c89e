import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERY_STATUSES, Delivery, DeliveryStatus } from '../../delivery';

const iso = (at: Date | null): string | null => (at === null ? null : at.toISOString());

/** A delivery as the admin API shows it. */
export class DeliveryView {
  @ApiProperty({ description: 'Stable per (event, listener); handlers use it to be idempotent' })
  id!: string;
  @ApiProperty() messageKey!: string;
  @ApiProperty({ example: 'message.received' }) event!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'analytics.messages' }) listener!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Next retry; for a running delivery, its lease expiry',
  })
  nextAttemptAt!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) lastAttemptAt!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) lastDurationMs!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) completedAt!: string | null;

  static of(delivery: Delivery): DeliveryView {
    return {
      id: delivery.id,
      messageKey: delivery.messageKey,
      event: delivery.eventName,
      eventId: delivery.eventId,
      listener: delivery.listener,
      status: delivery.status,
      attempts: delivery.attempts,
      nextAttemptAt: iso(delivery.nextAttemptAt),
      lastError: delivery.lastError,
      createdAt: delivery.createdAt.toISOString(),
      updatedAt: delivery.updatedAt.toISOString(),
      lastAttemptAt: iso(delivery.lastAttemptAt),
      lastDurationMs: delivery.lastDurationMs,
      completedAt: iso(delivery.completedAt),
    };
  }
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView] }) items!: DeliveryView[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page',
  })
  nextCursor!: string | null;
}

export class RetryCount {
  @ApiProperty({ description: 'Deliveries made due now' }) count!: number;
}

export class ScheduledDelivery {
  @ApiProperty() id!: string;
  @ApiProperty() event!: string;
  @ApiProperty() listener!: string;
}

export class ReplayAnswer {
  @ApiProperty() key!: string;
  @ApiProperty({ type: [ScheduledDelivery] }) deliveries!: ScheduledDelivery[];
}
