import type { ExportedSession } from '../support-store';
import { csvText, EXPORT_WRITERS } from './export-formats';

const session = (overrides: Partial<ExportedSession> = {}): ExportedSession => ({
  conversationKey: 'group:1',
  startedAt: Date.parse('2026-11-25T08:30:00Z'),
  endedAt: Date.parse('2026-11-25T09:30:00Z'),
  initiator: 'customer',
  customer: 'cust-1',
  agents: ['agent-ann', 'agent-bob'],
  messages: 6,
  customerMessages: 3,
  agentMessages: 3,
  botMessages: 0,
  firstResponseMs: 300_000,
  firstResponseBusinessMs: 0,
  replies: 3,
  meanReplyMs: 740_000,
  meanReplyBusinessMs: 400_000,
  longestWaitMs: 1_200_000,
  longestWaitBusinessMs: 1_200_000,
  waitingSince: null,
  ...overrides,
});

describe('csvText', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['=1+1', "'=1+1"],
    ['+49 30', "'+49 30"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a=b', 'a=b'],
    ['', ''],
  ])('writes %j as %j', (text, cell) => {
    expect(csvText(text)).toBe(cell);
  });
});

describe('export writers', () => {
  it('writes a CSV header and CRLF rows, nulls empty, agents joined with ;', () => {
    const { header, rows } = EXPORT_WRITERS.csv;
    expect(header).toBe(
      'conversation,sessionStart,sessionEnd,initiator,customer,agents,messages,customerMessages,' +
        'agentMessages,botMessages,firstResponseMs,firstResponseBusinessMs,replies,meanReplyMs,' +
        'meanReplyBusinessMs,longestWaitMs,longestWaitBusinessMs,unanswered,waitingSince\r\n',
    );
    const open = session({
      customer: '-1',
      agents: [],
      firstResponseMs: null,
      firstResponseBusinessMs: null,
      replies: 0,
      meanReplyMs: null,
      meanReplyBusinessMs: null,
      longestWaitMs: null,
      longestWaitBusinessMs: null,
      waitingSince: Date.parse('2026-11-25T09:00:00Z'),
    });
    expect(rows([session(), open])).toBe(
      'group:1,2026-11-25T08:30:00.000Z,2026-11-25T09:30:00.000Z,customer,cust-1,agent-ann;agent-bob,' +
        '6,3,3,0,300000,0,3,740000,400000,1200000,1200000,false,\r\n' +
        "group:1,2026-11-25T08:30:00.000Z,2026-11-25T09:30:00.000Z,customer,'-1,," +
        '6,3,3,0,,,0,,,,,true,2026-11-25T09:00:00.000Z\r\n',
    );
  });

  it('writes NDJSON: one object per line, the same columns, agents an array', () => {
    const lines = EXPORT_WRITERS.ndjson.rows([session({ customer: '=x' })]).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(JSON.parse(lines[0])).toEqual({
      conversation: 'group:1',
      sessionStart: '2026-11-25T08:30:00.000Z',
      sessionEnd: '2026-11-25T09:30:00.000Z',
      initiator: 'customer',
      // Data, not a spreadsheet: kept as it is.
      customer: '=x',
      agents: ['agent-ann', 'agent-bob'],
      messages: 6,
      customerMessages: 3,
      agentMessages: 3,
      botMessages: 0,
      firstResponseMs: 300_000,
      firstResponseBusinessMs: 0,
      replies: 3,
      meanReplyMs: 740_000,
      meanReplyBusinessMs: 400_000,
      longestWaitMs: 1_200_000,
      longestWaitBusinessMs: 1_200_000,
      unanswered: false,
      waitingSince: null,
    });
    expect(EXPORT_WRITERS.ndjson.header).toBe('');
  });
});
