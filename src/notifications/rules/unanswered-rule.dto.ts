import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ConditionsDto } from './rule.dto';

// An alert rule (`on: conversation.unanswered`): its own shape, beside the
// event rules of rule.dto.ts. Checked at start-up like them.

export const CONVERSATION_UNANSWERED = 'conversation.unanswered';
/** What the log and the channels call an alert's follow-up once an agent answered. */
export const CONVERSATION_RESOLVED = 'conversation.resolved';

export const ALERT_CLOCKS = ['wall', 'business-hours'] as const;
export type AlertClock = (typeof ALERT_CLOCKS)[number];

/** Seconds, minutes or hours: tests and demos use seconds. */
const ALERT_AFTER = /^[1-9]\d{0,8}(s|m|h)$/;
const AFTER_MESSAGE = 'must be a duration in s, m or h, such as 90s, 15m or 2h';

export class EscalationStepDto {
  @Matches(ALERT_AFTER, { message: `after ${AFTER_MESSAGE}` })
  after!: string;

  /** Checked entry by entry against its channel's own options, as a rule's `send`. */
  @IsArray()
  @ArrayNotEmpty()
  send!: Record<string, unknown>[];
}

export class UnansweredRuleDto {
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'name must be 1-64 lower-case letters, digits, _ or -',
  })
  name!: string;

  @IsArray()
  @IsIn([CONVERSATION_UNANSWERED], {
    each: true,
    message: `on must be ${CONVERSATION_UNANSWERED} alone in an alert rule`,
  })
  on!: string[];

  /** How long a customer may wait for an agent before the first step. */
  @Matches(ALERT_AFTER, { message: `after ${AFTER_MESSAGE}` })
  after!: string;

  @IsOptional()
  @IsIn(ALERT_CLOCKS, { message: `clock must be one of ${ALERT_CLOCKS.join(', ')}` })
  clock?: AlertClock;

  /** Conditions on the customer's message that started the wait. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ConditionsDto)
  when?: ConditionsDto;

  @IsArray()
  @ArrayNotEmpty()
  send!: Record<string, unknown>[];

  /** Later steps, each `after` counted from the wait's start, as the first. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => EscalationStepDto)
  escalate?: EscalationStepDto[];

  /** How many times the last step is sent again, as far apart as its two last steps. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  repeat?: number;
}
