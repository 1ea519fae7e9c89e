import { Injectable } from '@nestjs/common';
import { encodeCursor } from '../../common/query/query-params';
import { ExportedSession, SessionPosition, SupportStore, TimeRange } from '../support-store';

/** Sessions per read: the export holds one page at a time, whatever the range. */
export const EXPORT_PAGE = 1_000;
/** The most a paged export (`limit`) returns: its page is read whole before the first byte. */
export const EXPORT_LIMIT_MAX = 10_000;

export interface ExportRequest {
  readonly range: TimeRange;
  /** Resume after this session (a `nextCursor`). */
  readonly after?: SessionPosition;
  /** Paged: at most this many sessions and a cursor to the next; whole range otherwise. */
  readonly limit?: number;
}

/** An export under way: its first page is read, the rest on demand. */
export interface OpenExport {
  /** Where the next page starts (paged exports with more to come); null otherwise. */
  readonly nextCursor: string | null;
  /** The sessions, a page at a time; a whole export reads the next page only when asked for it. */
  pages(): AsyncIterable<readonly ExportedSession[]> | Iterable<readonly ExportedSession[]>;
}

const positionOf = (session: ExportedSession): SessionPosition => ({
  startedAt: session.startedAt,
  conversationKey: session.conversationKey,
});

export const cursorOf = (position: SessionPosition): string =>
  encodeCursor({ at: position.startedAt, id: position.conversationKey });

/** One row per session, oldest first, read in keyset pages from the support store. */
@Injectable()
export class SupportSessionsExport {
  constructor(private readonly store: SupportStore) {}

  /**
   * Reads the first page before anything is answered, so that a failing
   * store is still an ordinary error answer rather than a cut-off stream.
   */
  async open(request: ExportRequest): Promise<OpenExport> {
    return request.limit === undefined
      ? this.openWhole(request.range, request.after)
      : this.openPaged(request.range, request.after, request.limit);
  }

  private async openWhole(range: TimeRange, after?: SessionPosition): Promise<OpenExport> {
    const store = this.store;
    const first = await store.sessionsAfter(range, after, EXPORT_PAGE);
    return {
      nextCursor: null,
      async *pages() {
        let page = first;
        while (page.length > 0) {
          yield page;
          if (page.length < EXPORT_PAGE) return;
          page = await store.sessionsAfter(range, positionOf(page.at(-1)!), EXPORT_PAGE);
        }
      },
    };
  }

  /** `limit + 1` sessions, the extra one only telling that more follow. */
  private async openPaged(
    range: TimeRange,
    after: SessionPosition | undefined,
    limit: number,
  ): Promise<OpenExport> {
    const sessions: ExportedSession[] = [];
    let position = after;
    while (sessions.length <= limit) {
      const want = Math.min(EXPORT_PAGE, limit + 1 - sessions.length);
      const page = await this.store.sessionsAfter(range, position, want);
      sessions.push(...page);
      if (page.length < want) break;
      position = positionOf(page.at(-1)!);
    }
    const shown = sessions.slice(0, limit);
    return {
      nextCursor: sessions.length > limit ? cursorOf(positionOf(shown.at(-1)!)) : null,
      *pages() {
        for (let from = 0; from < shown.length; from += EXPORT_PAGE) {
          yield shown.slice(from, from + EXPORT_PAGE);
        }
      },
    };
  }
}
