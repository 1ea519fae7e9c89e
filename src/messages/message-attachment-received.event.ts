import { DomainEvent } from './domain-event';
import type { MessageFile, ReceivedMessage } from './received-message';

export const MESSAGE_ATTACHMENT_RECEIVED = 'message.attachment-received';

/** An accepted message that carries a file. */
export class MessageAttachmentReceivedEvent extends DomainEvent {
  declare readonly name: typeof MESSAGE_ATTACHMENT_RECEIVED;

  constructor(
    message: ReceivedMessage,
    readonly file: MessageFile,
  ) {
    super(MESSAGE_ATTACHMENT_RECEIVED, message);
  }
}
