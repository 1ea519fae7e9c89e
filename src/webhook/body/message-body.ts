import { AppException } from '../../common/errors/app.exception';
import { pickMessageFields } from '../dto/pick-message-fields';
import { parseJsonText } from './json-body';

/** What parsing a body came to, in a shape that can cross to and from a worker thread. */
export type ParseOutcome =
  | { readonly value: Record<string, unknown> }
  | { readonly rejection: Pick<AppException, 'code' | 'message' | 'errors'> }
  | { readonly failure: string };

/** The fields KommunicateMessageDto reads of a body's text: parsed, checked and picked. */
export function parseMessageBody(text: string): ParseOutcome {
  try {
    return { value: pickMessageFields(parseJsonText(text)) };
  } catch (error) {
    if (error instanceof AppException) {
      return { rejection: { code: error.code, message: error.message, errors: error.errors } };
    }
    return { failure: error instanceof Error ? error.message : String(error) };
  }
}

/** A body sent to the parsing thread, and its answer. */
export interface ParseRequest {
  readonly id: number;
  readonly text: string;
}
export type ParseReply = ParseOutcome & { readonly id: number };
