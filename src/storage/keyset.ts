import type { Expression, ExpressionBuilder, ReferenceExpression, SqlBool } from 'kysely';
import { Cursor, encodeCursor, Page } from '../common/query/query-params';

/** Rows strictly after `cursor` in a newest-first (time, id) order. */
export function olderThan<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  at: ReferenceExpression<DB, TB>,
  id: ReferenceExpression<DB, TB>,
  cursor: Cursor,
): Expression<SqlBool> {
  return eb.or([
    eb(at, '<', cursor.at as never),
    eb.and([eb(at, '=', cursor.at as never), eb(id, '<', cursor.id as never)]),
  ]);
}

/**
 * A page from `limit + 1` rows in order: the extra row only tells that more
 * follow, and the cursor points at the last row shown.
 */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  map: (row: R) => T,
  position: (row: R) => Cursor,
): Page<T> {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return {
    items: rows.slice(0, limit).map(map),
    nextCursor: last === undefined ? null : encodeCursor(position(last)),
  };
}
