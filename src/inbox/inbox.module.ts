import { Module } from '@nestjs/common';
import { MessageStore } from './message-store';
import { SqlMessageStore } from './sql-message-store';

/** Every accepted message as stored, with its conversation; saved with what it owes others. */
@Module({
  providers: [{ provide: MessageStore, useClass: SqlMessageStore }],
  exports: [MessageStore],
})
export class InboxModule {}
