import { DtoValidator } from '../../common/validation/dto-validator';
import { KommunicateMessageDto } from './kommunicate-message.dto';

const validator = new DtoValidator(KommunicateMessageDto);

/** The picked fields (see pickMessageFields) as a KommunicateMessageDto, or its 400. */
export function toMessageDto(fields: Record<string, unknown>): KommunicateMessageDto {
  return validator.validate(fields);
}
