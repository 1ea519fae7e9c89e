import { validateDto } from '../../common/validation/validation.options';
import { KommunicateMessageDto } from './kommunicate-message.dto';

/**
 * The picked fields (see pickMessageFields) as a validated DTO, with the
 * shared validation setup. Metadata, already normalised, is set on the
 * instance directly: class-transformer cannot copy an object that has a key
 * named `constructor`, and such a key is ordinary metadata.
 */
export function toMessageDto(fields: Record<string, unknown>): KommunicateMessageDto {
  const { metadata, ...rest } = fields;
  return validateDto(KommunicateMessageDto, rest, (dto) => {
    if (metadata !== undefined) dto.metadata = metadata as Record<string, string>;
  });
}
