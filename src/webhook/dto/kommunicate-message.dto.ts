import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsWellFormed } from '../../common/validation/is-well-formed.decorator';
import { IsMetadata } from './is-metadata.decorator';
import { MessageFileDto } from './message-file.dto';

// class-validator runs a property's decorators bottom-up and we stop at the
// first error: the type check sits lowest so that it is the one reported.

const ID_MAX = 256;
export const MESSAGE_TEXT_MAX = 65_536;
// Kommunicate's time stamps fall in this century; one outside it is garbage, or seconds
// sent as milliseconds.
const TIME_STAMP_MIN = Date.UTC(2000, 0, 1);
const TIME_STAMP_MAX = Date.UTC(2100, 0, 1);
const REQUIRED = { message: 'is required' };
const TIME_STAMP = { message: 'must be epoch milliseconds (an integer) from 2000 to 2100' };
// Never seen may come as 0.
const LAST_SEEN = { message: 'must be epoch milliseconds (an integer) from 0 to 2100' };
// Past 2^53 − 1 a number is rounded: two ids would become one conversation.
const ID_NUMBER = { message: 'must be a whole number from 0 to 2^53 − 1 (9007199254740991)' };

/**
 * A Kommunicate message webhook body. Fields the docs do not list are
 * stripped here (they are kept in the stored raw payload, never a 400).
 */
export class KommunicateMessageDto {
  @MaxLength(ID_MAX)
  @IsNotEmpty()
  @IsWellFormed()
  @IsString()
  @IsDefined(REQUIRED)
  key!: string;

  @MaxLength(ID_MAX)
  @IsNotEmpty()
  @IsWellFormed()
  @IsString()
  @IsDefined(REQUIRED)
  from!: string;

  // May be empty: a message that only carries a file has no text.
  @MaxLength(MESSAGE_TEXT_MAX)
  @IsWellFormed()
  @IsString()
  @IsDefined(REQUIRED)
  message!: string;

  @Max(TIME_STAMP_MAX, TIME_STAMP)
  @Min(TIME_STAMP_MIN, TIME_STAMP)
  @IsInt(TIME_STAMP)
  @IsDefined(REQUIRED)
  timeStamp!: number;

  @MaxLength(ID_MAX)
  @IsWellFormed()
  @IsString()
  @IsOptional()
  to?: string;

  @Max(Number.MAX_SAFE_INTEGER, ID_NUMBER)
  @Min(0, ID_NUMBER)
  @IsInt(ID_NUMBER)
  @IsOptional()
  groupId?: number;

  @MaxLength(ID_MAX)
  @IsWellFormed()
  @IsString()
  @IsOptional()
  clientGroupId?: string;

  @MaxLength(1024)
  @IsWellFormed()
  @IsString()
  @IsOptional()
  groupName?: string;

  @Max(Number.MAX_SAFE_INTEGER, ID_NUMBER)
  @Min(0, ID_NUMBER)
  @IsInt(ID_NUMBER)
  @IsOptional()
  conversationId?: number;

  @IsBoolean()
  @IsOptional()
  receiverConnected?: boolean;

  @Max(TIME_STAMP_MAX, LAST_SEEN)
  @Min(0, LAST_SEEN)
  @IsInt(LAST_SEEN)
  @IsOptional()
  receiverLastSeenAtTime?: number;

  @ValidateNested()
  @IsObject()
  @IsOptional()
  // For class-transformer, as the ValidationPipe uses it; DtoValidator reads the declared type.
  @Type(() => MessageFileDto)
  file?: MessageFileDto;

  @IsMetadata()
  @IsOptional()
  metadata?: Record<string, string>;
}
