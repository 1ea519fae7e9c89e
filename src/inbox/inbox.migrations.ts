import type { Migration } from 'kysely';
import * as messages from './migrations/0001-messages';
import * as fromIndex from './migrations/0003-messages-from-index';
import * as firstMessage from './migrations/0008-conversations-first-message';

/** The stored messages and conversations. Names are global: StorageModule runs every module's migrations in name order. */
export const INBOX_MIGRATIONS: Record<string, Migration> = {
  '0001-messages': messages,
  '0003-messages-from-index': fromIndex,
  '0008-conversations-first-message': firstMessage,
};
