import type { ExportedSession } from '../support-store';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The media type each format is asked for with (`Accept`) and answered in. */
export const MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
};

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One exported row, by column: the same names and order in both formats. */
export function exportRecord(session: ExportedSession) {
  return {
    conversation: session.conversationKey,
    sessionStart: iso(session.startedAt),
    sessionEnd: iso(session.endedAt),
    initiator: session.initiator,
    customer: session.customer,
    agents: session.agents,
    messages: session.messages,
    customerMessages: session.customerMessages,
    agentMessages: session.agentMessages,
    botMessages: session.botMessages,
    firstResponseMs: session.firstResponseMs,
    firstResponseBusinessMs: session.firstResponseBusinessMs,
    replies: session.replies,
    meanReplyMs: session.meanReplyMs,
    meanReplyBusinessMs: session.meanReplyBusinessMs,
    longestWaitMs: session.longestWaitMs,
    longestWaitBusinessMs: session.longestWaitBusinessMs,
    unanswered: session.waitingSince !== null,
    waitingSince: iso(session.waitingSince),
  };
}

export type ExportRecord = ReturnType<typeof exportRecord>;
type Cell = ExportRecord[keyof ExportRecord];

/** The columns in order, taken from a record so that header and rows cannot drift apart. */
const COLUMNS = Object.keys(
  exportRecord({
    conversationKey: '',
    startedAt: 0,
    endedAt: 0,
    initiator: 'customer',
    customer: null,
    agents: [],
    messages: 0,
    customerMessages: 0,
    agentMessages: 0,
    botMessages: 0,
    firstResponseMs: null,
    firstResponseBusinessMs: null,
    replies: 0,
    meanReplyMs: null,
    meanReplyBusinessMs: null,
    longestWaitMs: null,
    longestWaitBusinessMs: null,
    waitingSince: null,
  }),
) as (keyof ExportRecord)[];

// Spreadsheets run a cell that starts with one of these as a formula (OWASP's list, tab and CR included).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * A text cell as RFC 4180 writes it, made inert for spreadsheets first: a
 * leading apostrophe keeps `=HYPERLINK(…)` from a customer's id a text.
 */
export function csvText(text: string): string {
  const inert = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}

/** Null is an empty cell; agents are joined with `;`; numbers, booleans and times are ours, never formulas. */
function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'string') return csvText(value);
  if (Array.isArray(value)) return csvText(value.join(';'));
  return String(value);
}

/** What a format writes before the rows, and each page of rows as one chunk. */
export interface ExportWriter {
  readonly contentType: string;
  readonly extension: string;
  readonly header: string;
  rows(sessions: readonly ExportedSession[]): string;
}

const csv: ExportWriter = {
  contentType: `${MEDIA_TYPES.csv}; charset=utf-8; header=present`,
  extension: 'csv',
  header: `${COLUMNS.join(',')}\r\n`,
  rows: (sessions) => {
    let chunk = '';
    for (const session of sessions) {
      const record = exportRecord(session);
      chunk += `${COLUMNS.map((column) => csvCell(record[column])).join(',')}\r\n`;
    }
    return chunk;
  },
};

const ndjson: ExportWriter = {
  contentType: MEDIA_TYPES.ndjson,
  extension: 'ndjson',
  header: '',
  rows: (sessions) => {
    let chunk = '';
    for (const session of sessions) chunk += `${JSON.stringify(exportRecord(session))}\n`;
    return chunk;
  },
};

export const EXPORT_WRITERS: Record<ExportFormat, ExportWriter> = { csv, ndjson };
