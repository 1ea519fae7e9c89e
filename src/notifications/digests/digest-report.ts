import { localTime } from '../../common/time/business-hours';
import type { MessageVolume, SupportReports, TimeRange, WaitItem } from '../../support';
import { escapeHtml, renderTemplate } from '../templates';
import { DEFAULT_DIGEST_SUBJECT } from './digest-rule';
import type { DigestPeriod } from './digest-schedule';

/** The waits a digest lists, and how many still-unanswered ones it names. */
export const WORST_WAITS = 5;
export const UNANSWERED_LISTED = 20;
const DAY_MS = 86_400_000;

/** The figures of one range. */
export interface RangeFigures {
  readonly volume: MessageVolume;
  readonly sessionsStarted: number;
  /** Medians, ms; null without samples. */
  readonly firstResponse: { readonly wall: number | null; readonly business: number | null };
  readonly reply: { readonly wall: number | null; readonly business: number | null };
}

export interface DigestFigures {
  readonly current: RangeFigures;
  readonly previous: RangeFigures;
  readonly worstWaits: readonly WaitItem[];
  /** Oldest first, at most UNANSWERED_LISTED. */
  readonly unanswered: readonly WaitItem[];
  /** More waits of the range are unanswered than listed. */
  readonly moreUnanswered: boolean;
}

/** What the digest is about, for its headings. */
export interface DigestHeading {
  readonly rule: string;
  readonly every: 'daily' | 'weekly';
  readonly timeZone: string;
  readonly period: DigestPeriod;
}

export interface DigestMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

async function rangeFigures(reports: SupportReports, range: TimeRange): Promise<RangeFigures> {
  const summary = await reports.summary(range);
  return {
    volume: await reports.volume(range),
    sessionsStarted: summary.sessions.started,
    firstResponse: {
      wall: summary.firstResponse.wall.medianMs,
      business: summary.firstResponse.business.medianMs,
    },
    reply: { wall: summary.reply.wall.medianMs, business: summary.reply.business.medianMs },
  };
}

/** The period's figures, the same for the range it is compared with, its worst and open waits. */
export async function digestFigures(
  reports: SupportReports,
  period: DigestPeriod,
): Promise<DigestFigures> {
  const range = { since: period.start, until: period.end };
  const unanswered = await reports.unanswered(range, UNANSWERED_LISTED + 1);
  return {
    current: await rangeFigures(reports, range),
    previous: await rangeFigures(reports, {
      since: period.previous.start,
      until: period.previous.end,
    }),
    worstWaits: await reports.waits(range, WORST_WAITS),
    unanswered: unanswered.slice(0, UNANSWERED_LISTED),
    moreUnanswered: unanswered.length > UNANSWERED_LISTED,
  };
}

/** `14 m 30 s`, `2 h 5 m`, `1 d 3 h`: to the second under an hour, to the minute under a day. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const parts = (big: number, bigUnit: string, small: number, smallUnit: string): string =>
    small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return parts(minutes, 'm', seconds % 60, 's');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return parts(hours, 'h', minutes % 60, 'm');
  return parts(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** A local date `YYYY-MM-DD` as `Wed 25 Nov 2026`. */
function dayLabel(date: number): string {
  const d = new Date(date);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** An instant as `Wed 25 Nov 10:00` in the zone. */
function momentLabel(iso: string, timeZone: string): string {
  const t = localTime(Date.parse(iso), timeZone);
  return `${DAYS[t.weekday]} ${t.day} ${MONTHS[t.month - 1]} ${two(t.hour)}:${two(t.minute)}`;
}

function rangeLabel(firstDay: number, lastDay: number): string {
  return firstDay === lastDay ? dayLabel(firstDay) : `${dayLabel(firstDay)} – ${dayLabel(lastDay)}`;
}

/** The period's label and the compared range's. */
export function periodLabels(period: DigestPeriod): { current: string; previous: string } {
  const first = Date.parse(`${period.firstDay}T00:00:00Z`);
  const last = Date.parse(`${period.lastDay}T00:00:00Z`);
  return {
    current: rangeLabel(first, last),
    previous: rangeLabel(first - 7 * DAY_MS, last - 7 * DAY_MS),
  };
}

const signed = (n: number, text: string): string =>
  n > 0 ? `+${text}` : n < 0 ? `-${text}` : '±0';

function countChange(now: number, before: number): string {
  const change = signed(now - before, String(Math.abs(now - before)));
  if (before === 0 || now === before) return change;
  return `${change} (${signed(now - before, `${Math.abs(Math.round(((now - before) / before) * 100))}%`)})`;
}

function durationChange(now: number | null, before: number | null): string {
  if (now === null || before === null) return '–';
  return signed(now - before, formatDuration(Math.abs(now - before)));
}

const duration = (ms: number | null): string => (ms === null ? '–' : formatDuration(ms));

/** The figure rows: name, this range, the range before, the change. */
function rows(figures: DigestFigures): [string, string, string, string][] {
  const { current: now, previous: before } = figures;
  const count = (
    name: string,
    pick: (f: RangeFigures) => number,
  ): [string, string, string, string] => [
    name,
    String(pick(now)),
    String(pick(before)),
    countChange(pick(now), pick(before)),
  ];
  const time = (
    name: string,
    pick: (f: RangeFigures) => number | null,
  ): [string, string, string, string] => [
    name,
    duration(pick(now)),
    duration(pick(before)),
    durationChange(pick(now), pick(before)),
  ];
  return [
    count('Messages', (f) => f.volume.messages),
    count('  from customers', (f) => f.volume.customer),
    count('  from agents', (f) => f.volume.agent),
    count('  from bots', (f) => f.volume.bot),
    count('Sessions started', (f) => f.sessionsStarted),
    time('Median first response', (f) => f.firstResponse.wall),
    time('  in business hours', (f) => f.firstResponse.business),
    time('Median reply time', (f) => f.reply.wall),
    time('  in business hours', (f) => f.reply.business),
  ];
}

function waitLine(wait: WaitItem, timeZone: string): string {
  const state = wait.answered ? 'answered' : 'still waiting';
  return `${formatDuration(wait.waitMs)}, ${wait.conversationKey}, from ${momentLabel(wait.waitStartedAt, timeZone)}, ${state}`;
}

function unansweredLine(wait: WaitItem, timeZone: string): string {
  return `${wait.conversationKey}, waiting since ${momentLabel(wait.waitStartedAt, timeZone)} (${formatDuration(wait.waitMs)})`;
}

/**
 * The digest as plain text and HTML (every value escaped), and its subject.
 * Times of day are the digest's time zone; wait links are admin API paths.
 */
export function renderDigest(
  heading: DigestHeading,
  figures: DigestFigures,
  subjectTemplate = DEFAULT_DIGEST_SUBJECT,
): DigestMail {
  const labels = periodLabels(heading.period);
  const kind = heading.every === 'daily' ? 'Daily' : 'Weekly';
  const title = `${kind} support digest: ${labels.current}`;
  const intro = `Times of day in ${heading.timeZone}. Compared with ${labels.previous}.`;
  const table = rows(figures);
  const unansweredTitle = `Still unanswered (${figures.unanswered.length}${figures.moreUnanswered ? '+' : ''})`;
  const more = figures.moreUnanswered
    ? `More are unanswered: GET /api/support/waits lists them all.`
    : null;

  const text = [
    title,
    intro,
    '',
    ...table.map(
      ([name, now, before, change]) => `${name}: ${now} (before: ${before}, change: ${change})`,
    ),
    '',
    `Longest waits:`,
    ...(figures.worstWaits.length === 0
      ? ['  none']
      : figures.worstWaits.flatMap((wait, index) => [
          `${index + 1}. ${waitLine(wait, heading.timeZone)}`,
          `   ${wait.link}`,
        ])),
    '',
    `${unansweredTitle}:`,
    ...(figures.unanswered.length === 0
      ? ['  none']
      : figures.unanswered.flatMap((wait) => [
          `- ${unansweredLine(wait, heading.timeZone)}`,
          `  ${wait.link}`,
        ])),
    ...(more ? [more] : []),
    '',
  ].join('\n');

  const h = escapeHtml;
  const cell = (tag: 'td' | 'th', value: string, indent = false): string =>
    `<${tag}${indent ? ' style="padding-left:1.5em"' : ''}>${h(value.trim())}</${tag}>`;
  const html = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head><body>',
    `<h1>${h(title)}</h1>`,
    `<p>${h(intro)}</p>`,
    '<table>',
    `<tr>${cell('th', '')}${cell('th', labels.current)}${cell('th', labels.previous)}${cell('th', 'Change')}</tr>`,
    ...table.map(
      ([name, now, before, change]) =>
        `<tr>${cell('td', name, name.startsWith(' '))}${cell('td', now)}${cell('td', before)}${cell('td', change)}</tr>`,
    ),
    '</table>',
    '<h2>Longest waits</h2>',
    figures.worstWaits.length === 0
      ? '<p>None.</p>'
      : `<ol>\n${figures.worstWaits
          .map(
            (wait) =>
              `<li>${h(waitLine(wait, heading.timeZone))} <code>${h(wait.link)}</code></li>`,
          )
          .join('\n')}\n</ol>`,
    `<h2>${h(unansweredTitle)}</h2>`,
    figures.unanswered.length === 0
      ? '<p>None.</p>'
      : `<ul>\n${figures.unanswered
          .map(
            (wait) =>
              `<li>${h(unansweredLine(wait, heading.timeZone))} <code>${h(wait.link)}</code></li>`,
          )
          .join('\n')}\n</ul>`,
    ...(more ? [`<p>${h(more)}</p>`] : []),
    '</body></html>',
    '',
  ].join('\n');

  const subject = renderTemplate(subjectTemplate, { rule: heading.rule, period: labels.current });
  // A CR or LF would start a header of the author's choosing.
  return { subject: subject.replace(/[\r\n]+/g, ' '), text, html };
}
