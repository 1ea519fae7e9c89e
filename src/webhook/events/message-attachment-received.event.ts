import { DomainEvent } from './domain-event';
import type { MessageFile, ReceivedMessage } from './received-message';

export const MESSAGE_ATTACHMENT_RECEIVED = 'message.attachment-received';

/** An accepted message that carries a file. */
export class MessageAttachmentReceivedEvent extends DomainEvent {
  readonly name = MESSAGE_ATTACHMENT_RECEIVED;

  constructor(
    message: ReceivedMessage,
    readonly file: MessageFile,
  ) {
    super(message);
  }
}
