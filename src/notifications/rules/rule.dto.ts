import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CONVERSATION_STARTED,
  MESSAGE_ATTACHMENT_RECEIVED,
  MESSAGE_RECEIVED,
  type EventName,
} from '../../messages';
import { WEEKDAYS, type Weekday } from '../../common/time/weekly-window';

// The rules file's shape. class-validator checks it at start-up; every error
// is reported with the rule's name and the field's path. Each entry of `send`
// is checked against its channel's own options class (see channels/).

export const EVENT_NAMES: readonly EventName[] = [
  MESSAGE_RECEIVED,
  MESSAGE_ATTACHMENT_RECEIVED,
  CONVERSATION_STARTED,
];
export { WEEKDAYS, type Weekday };

const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DURATION = /^\d+(s|m|h|d)$/;

export class TextConditionDto {
  @IsString()
  @MaxLength(1000)
  matches!: string;

  @IsOptional()
  @IsBoolean()
  ignoreCase?: boolean;
}

export class SenderConditionDto {
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  in?: string[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  notIn?: string[];
}

export class MetadataConditionDto {
  @IsOptional()
  @IsBoolean()
  exists?: boolean;

  @IsOptional()
  @IsString()
  equals?: string;
}

/** A weekly window, e.g. Monday to Friday 09:00-17:00 in Europe/Berlin. */
export class WeeklyWindowDto {
  @IsString()
  timeZone!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(WEEKDAYS, { each: true, message: `days must be among ${WEEKDAYS.join(', ')}` })
  days!: Weekday[];

  @Matches(CLOCK_TIME, { message: 'from must be a time HH:MM' })
  from!: string;

  @Matches(CLOCK_TIME, { message: 'to must be a time HH:MM' })
  to!: string;
}

export class TimeConditionDto {
  @IsOptional()
  @ValidateNested()
  @Type(() => WeeklyWindowDto)
  inside?: WeeklyWindowDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => WeeklyWindowDto)
  outside?: WeeklyWindowDto;
}

/** Every condition given must hold. */
export class ConditionsDto {
  @IsOptional()
  @IsBoolean()
  receiverConnected?: boolean;

  @IsOptional()
  @IsBoolean()
  hasAttachment?: boolean;

  /** Globs such as `image/*`; any may match. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  contentType?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => TextConditionDto)
  text?: TextConditionDto;

  /** groupId or clientGroupId values; any may match. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  conversation?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => SenderConditionDto)
  from?: SenderConditionDto;

  /** Key → condition on that metadata entry. */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, MetadataConditionDto>;

  @IsOptional()
  @ValidateNested()
  @Type(() => TimeConditionDto)
  time?: TimeConditionDto;
}

export class ThrottleDto {
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max!: number;

  @Matches(DURATION, { message: 'per must be a duration such as 30s, 10m, 1h or 1d' })
  per!: string;
}

export class RuleDto {
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'name must be 1-64 lower-case letters, digits, _ or -',
  })
  name!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(EVENT_NAMES, { each: true, message: `on must be among ${EVENT_NAMES.join(', ')}` })
  on!: EventName[];

  @IsOptional()
  @ValidateNested()
  @Type(() => ConditionsDto)
  when?: ConditionsDto;

  /** Checked entry by entry against its channel's own options (see rule-compiler.ts). */
  @IsArray()
  @ArrayNotEmpty()
  send!: Record<string, unknown>[];

  @IsOptional()
  @ValidateNested()
  @Type(() => ThrottleDto)
  throttle?: ThrottleDto;
}
