import { Transform, Type } from 'class-transformer';
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
import { IsMetadata } from './is-metadata.decorator';
import { toBoolean, toIdText, toInteger, toMetadata } from './lenient.transforms';
import { MessageFileDto } from './message-file.dto';

// class-validator runs a property's decorators bottom-up and we stop at the
// first error: the type check sits lowest so that it is the one reported.

const ID_MAX = 256;
export const MESSAGE_TEXT_MAX = 65_536;
// Year 2286 in epoch ms: anything past it is not a real time stamp.
const EPOCH_MS_MAX = 9_999_999_999_999;
const REQUIRED = { message: 'is required' };
const EPOCH_MS = { message: 'must be an integer (epoch milliseconds)' };

/**
 * A Kommunicate message webhook body. Fields the docs do not list are
 * stripped here (they are kept in the stored raw payload, never a 400).
 */
export class KommunicateMessageDto {
  @MaxLength(ID_MAX)
  @IsNotEmpty()
  @IsString()
  @IsDefined(REQUIRED)
  key!: string;

  @MaxLength(ID_MAX)
  @IsNotEmpty()
  @IsString()
  @IsDefined(REQUIRED)
  from!: string;

  // May be empty: a message that only carries a file has no text.
  @MaxLength(MESSAGE_TEXT_MAX)
  @IsString()
  @IsDefined(REQUIRED)
  message!: string;

  @Max(EPOCH_MS_MAX, EPOCH_MS)
  @Min(0, EPOCH_MS)
  @IsInt(EPOCH_MS)
  @IsDefined(REQUIRED)
  @Transform(toInteger)
  timeStamp!: number;

  @MaxLength(ID_MAX)
  @IsString()
  @IsOptional()
  to?: string;

  @IsInt()
  @IsOptional()
  @Transform(toInteger)
  groupId?: number;

  @MaxLength(ID_MAX)
  @IsString()
  @IsOptional()
  @Transform(toIdText)
  clientGroupId?: string;

  @MaxLength(1024)
  @IsString()
  @IsOptional()
  groupName?: string;

  @IsInt()
  @IsOptional()
  @Transform(toInteger)
  conversationId?: number;

  @IsBoolean()
  @IsOptional()
  @Transform(toBoolean)
  receiverConnected?: boolean;

  @Max(EPOCH_MS_MAX, EPOCH_MS)
  @Min(0, EPOCH_MS)
  @IsInt(EPOCH_MS)
  @IsOptional()
  @Transform(toInteger)
  receiverLastSeenAtTime?: number;

  @ValidateNested()
  @IsObject()
  @IsOptional()
  @Type(() => MessageFileDto)
  file?: MessageFileDto;

  @IsMetadata()
  @IsOptional()
  @Transform(toMetadata)
  metadata?: Record<string, string>;
}
