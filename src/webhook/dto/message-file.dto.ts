import { Transform } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IsHttpUrl } from '../../common/validation/is-http-url.decorator';
import { toInteger } from './lenient.transforms';

// Type checks sit lowest: see KommunicateMessageDto.
const SIZE = { message: 'must be a non-negative integer (bytes)' };
const HTTP_URL = { message: 'must be an http(s) URL' };

export class MessageFileDto {
  @MaxLength(1024)
  @IsString()
  @IsOptional()
  name?: string;

  @IsHttpUrl(HTTP_URL)
  @IsDefined({ message: 'is required' })
  url!: string;

  @MaxLength(255)
  @IsString()
  @IsOptional()
  contentType?: string;

  @Min(0, SIZE)
  @IsInt(SIZE)
  @IsOptional()
  @Transform(toInteger)
  size?: number;

  @IsHttpUrl(HTTP_URL)
  @IsOptional()
  thumbnailUrl?: string;
}
