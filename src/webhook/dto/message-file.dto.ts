import { IsDefined, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsHttpUrl } from '../../common/validation/is-http-url.decorator';
import { IsWellFormed } from '../../common/validation/is-well-formed.decorator';

// Type checks sit lowest: see KommunicateMessageDto.
const SIZE = { message: 'must be a non-negative integer (bytes)' };
const HTTP_URL = { message: 'must be an http(s) URL' };
// Far beyond any real attachment: a size past it is garbage.
const FILE_SIZE_MAX = 2 ** 40;

export class MessageFileDto {
  @MaxLength(1024)
  @IsWellFormed()
  @IsString()
  @IsOptional()
  name?: string;

  @IsHttpUrl(HTTP_URL)
  @IsWellFormed()
  @IsDefined({ message: 'is required' })
  url!: string;

  @MaxLength(255)
  @IsWellFormed()
  @IsString()
  @IsOptional()
  contentType?: string;

  @Max(FILE_SIZE_MAX, { message: 'must be at most 1 TiB (1099511627776 bytes)' })
  @Min(0, SIZE)
  @IsInt(SIZE)
  @IsOptional()
  size?: number;

  @IsHttpUrl(HTTP_URL)
  @IsWellFormed()
  @IsOptional()
  thumbnailUrl?: string;
}
