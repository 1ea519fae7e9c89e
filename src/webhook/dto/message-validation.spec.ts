import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { generateFuzzRequests } from '../../../scripts/webhook-fuzz';
import { AppException } from '../../common/errors/app.exception';
import {
  flattenValidationErrors,
  validationPipeOptions,
} from '../../common/validation/validation.options';
import { decodeJsonText } from '../body/json-body';
import { parseMessageBody } from '../body/message-body';
import { KommunicateMessageDto } from './kommunicate-message.dto';
import { toMessageDto } from './to-message-dto';

/**
 * What Nest's ValidationPipe makes of the fields: class-transformer, then class-validator.
 * Metadata is set apart: class-transformer cannot copy an object with a `constructor` key.
 */
function throughThePipe(fields: Record<string, unknown>) {
  const { metadata, ...rest } = fields;
  const dto = plainToInstance(KommunicateMessageDto, rest);
  if (metadata !== undefined) dto.metadata = metadata as Record<string, string>;
  const { whitelist, forbidNonWhitelisted, stopAtFirstError, validationError } =
    validationPipeOptions;
  const errors = validateSync(dto, {
    whitelist,
    forbidNonWhitelisted,
    stopAtFirstError,
    validationError,
  });
  return errors.length > 0
    ? { errors: flattenValidationErrors(errors) }
    : { dto: JSON.parse(JSON.stringify(dto)) as unknown };
}

function throughToMessageDto(fields: Record<string, unknown>) {
  try {
    return { dto: JSON.parse(JSON.stringify(toMessageDto(fields))) as unknown };
  } catch (error) {
    if (!(error instanceof AppException)) throw error;
    return { errors: error.errors };
  }
}

describe('toMessageDto against class-validator itself', () => {
  it('gives the same verdict and the same errors for 10,000 generated and mutated bodies', () => {
    let compared = 0;
    let refused = 0;
    for (const request of generateFuzzRequests(20240601, 10_000)) {
      let text: string;
      try {
        text = decodeJsonText(request.body);
      } catch {
        continue; // not UTF-8 or empty: refused before the fields exist
      }
      const parsed = parseMessageBody(text);
      if (!('value' in parsed)) continue;
      const expected = throughThePipe(parsed.value);
      expect({ index: request.index, ...throughToMessageDto(parsed.value) }).toEqual({
        index: request.index,
        ...expected,
      });
      compared += 1;
      if ('errors' in expected) refused += 1;
    }
    console.log(`toMessageDto = class-validator on ${compared} bodies (${refused} refused)`);
    expect(compared).toBeGreaterThan(5_000);
    expect(refused).toBeGreaterThan(1_000);
  });
});
