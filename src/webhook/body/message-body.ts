import { AppException } from '../../common/errors/app.exception';
import { pickMessageFields } from '../dto/pick-message-fields';
import { parseJsonText } from './json-body';

/** What KommunicateMessageDto reads of a webhook body's text: parsed, checked and picked. */
export const parseMessageBody = (text: string): Record<string, unknown> =>
  pickMessageFields(parseJsonText(text));

// What goes to and comes back from the parsing thread.
export interface ParseRequest {
  readonly id: number;
  readonly text: string;
}

export type ParseReply =
  | { readonly id: number; readonly value: Record<string, unknown> }
  | { readonly id: number; readonly rejection: Pick<AppException, 'code' | 'message' | 'errors'> }
  | { readonly id: number; readonly failure: string };

/** Parses one request's text; every outcome is a reply, never a throw. */
export function reply({ id, text }: ParseRequest): ParseReply {
  try {
    return { id, value: parseMessageBody(text) };
  } catch (error) {
    if (error instanceof AppException) {
      return { id, rejection: { code: error.code, message: error.message, errors: error.errors } };
    }
    return { id, failure: error instanceof Error ? error.message : String(error) };
  }
}
