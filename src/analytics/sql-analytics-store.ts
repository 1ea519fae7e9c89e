import { Injectable } from '@nestjs/common';
import type { ReceivedMessage } from '../messages';
import { Database } from '../storage/database';
import { AnalyticsQueries } from './analytics-queries';
import {
  AnalyticsStore,
  AnalyticsSummary,
  BucketSize,
  ContentTypeCount,
  TimeRange,
  TimeseriesPoint,
  TopBy,
} from './analytics-store';
import { AnalyticsWriter } from './analytics-writer';

/**
 * The analytics port on the SQL store, SQLite or PostgreSQL: the batch
 * listeners' upserts in `AnalyticsWriter`, the routes' reads in
 * `AnalyticsQueries`, both over the rollup tables of `analytics.tables.ts`:
 *
 * - `analytics_hourly` and `analytics_daily` (UTC days): every count of the
 *   period in one row, distinct keys and the delay histogram included;
 * - per hour and per UTC day, each conversation's and sender's messages; the
 *   day rows keep the first and last hour of the day the key was seen in,
 *   so a day at another offset is counted from two UTC days' rows;
 * - per key, its all-time count and the first and last hour it was seen in.
 */
@Injectable()
export class SqlAnalyticsStore extends AnalyticsStore {
  private readonly writer: AnalyticsWriter;
  private readonly queries: AnalyticsQueries;

  constructor(db: Database) {
    super();
    this.writer = new AnalyticsWriter(db);
    this.queries = new AnalyticsQueries(db);
  }

  recordMessages(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.writer.recordMessages(messages);
  }

  recordConversationsStarted(messages: readonly ReceivedMessage[]): Promise<void> {
    return this.writer.recordConversationsStarted(messages);
  }

  summary(range: TimeRange, topLimit: number): Promise<AnalyticsSummary> {
    return this.queries.summary(range, topLimit);
  }

  timeseries(
    bucket: BucketSize,
    range: Required<TimeRange>,
    offsetHours: number,
  ): Promise<TimeseriesPoint[]> {
    return this.queries.timeseries(bucket, range, offsetHours);
  }

  top(by: TopBy, range: TimeRange, limit: number): Promise<{ key: string; messages: number }[]> {
    return this.queries.top(by, range, limit);
  }

  attachments(range: TimeRange): Promise<ContentTypeCount[]> {
    return this.queries.attachments(range);
  }
}
