/** The summary a finished (or interrupted) run prints, for people; `--json` prints the object. */
import type { TimeFigures } from '../support-oracle';
import type { SimulationSummary, SupportPlan } from './runner';

/** Right-aligns a figure in its column. */
export const pad = (value: string | number, width: number): string => String(value).padStart(width);

/** A time as people read it: 850 ms, 42.3 s, 2m 41s, 3h 05m, 24h. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600)
    return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** What the dashboard's Support tab should show for the whole plan. */
function supportLines(plan: SupportPlan, interrupted: boolean): string[] {
  const { expected } = plan;
  const started = expected.conversationsStarted;
  const figures = (label: string, times: TimeFigures): string =>
    `    ${label.padEnd(22)}median ${formatDuration(times.medianMs).padEnd(9)} ` +
    `p90 ${formatDuration(times.p90Ms).padEnd(9)} mean ${formatDuration(times.meanMs).padEnd(9)} ` +
    `(n=${times.count})`;
  return [
    '',
    `  support: ${plural(plan.agents, 'agent')}, ${plural(plan.bots, 'bot')}, time stamps over the ` +
      `${plural(Math.round(plan.historyMs / 86_400_000), 'day')} before the start`,
    `  expected (wall clock, sessions split after ${formatDuration(plan.sessionGapMs)} quiet` +
      `${interrupted ? ', for the whole plan' : ''}):`,
    `    sessions              ${expected.sessions} in ${expected.conversations} conversations: ` +
      `${started.customer} customer-, ${started.agent} agent-initiated; ` +
      `${expected.unansweredSessions} unanswered, ${expected.waitingSessions} with a customer waiting`,
    figures('first response', expected.firstResponse),
    figures('  with bots counted', expected.firstResponseWithBots),
    figures('hand-off', expected.handoff),
    figures('reply time', expected.replyTime),
    '  compare with the Support tab of kommhook started with SUPPORT_AGENTS=agent-* SUPPORT_BOTS=bot-*',
  ];
}

export function formatSummary(summary: SimulationSummary): string {
  const lines: string[] = [];
  const planned = summary.planned;
  lines.push(
    `${summary.interrupted ? 'Simulation interrupted' : 'Simulation finished'}: ${summary.url}`,
    `  seed ${summary.seed}, ${planned.requests} requests planned over ${planned.conversations} conversations ` +
      `(${planned.redeliveries} redeliveries), rate ${summary.targetRate > 0 ? `${summary.targetRate}/s` : 'unlimited'}, ` +
      `concurrency ${summary.concurrency}`,
    '',
    `  sent             ${pad(summary.sent, 7)}${summary.interrupted ? ` of ${planned.requests}` : ''}`,
    `  accepted         ${pad(summary.accepted, 7)}`,
    `  duplicate        ${pad(summary.duplicate, 7)}   (${summary.redeliveriesSent} redeliveries sent)`,
  );
  const rejectedTotal = summary.rejected.reduce((sum, entry) => sum + entry.count, 0);
  lines.push(`  rejected         ${pad(rejectedTotal, 7)}`);
  for (const entry of summary.rejected) {
    lines.push(
      `    ${entry.status} ${entry.code.padEnd(32)} ${pad(entry.count, 6)}   ${entry.message}`,
    );
  }
  const networkTotal = summary.networkErrors.reduce((sum, entry) => sum + entry.count, 0);
  lines.push(`  network errors   ${pad(networkTotal, 7)}`);
  for (const entry of summary.networkErrors) {
    lines.push(`    ${entry.reason.padEnd(36)} ${pad(entry.count, 6)}`);
  }
  if (summary.unexpectedAnswers > 0) {
    lines.push(
      `  unexpected 200   ${pad(summary.unexpectedAnswers, 7)}   (not {status, key} for the key sent)`,
    );
  }
  const latency = summary.latencyMs;
  lines.push(
    '',
    `  duration         ${pad((summary.durationMs / 1000).toFixed(2), 7)} s`,
    `  achieved rate    ${pad(summary.achievedRate.toFixed(1), 7)} requests/s`,
    latency
      ? `  latency          p50 ${latency.p50.toFixed(1)} ms  p95 ${latency.p95.toFixed(1)} ms  p99 ${latency.p99.toFixed(1)} ms  max ${latency.max.toFixed(1)} ms`
      : '  latency          -',
  );
  if (summary.support) lines.push(...supportLines(summary.support, summary.interrupted));
  const notes: string[] = [];
  if (summary.unexpectedDuplicates > 0) {
    notes.push(
      `${summary.unexpectedDuplicates} first deliveries were answered "duplicate": the store already had ` +
        'those keys (a rerun with the same --seed and start time, or a second simulator at once?).',
    );
  }
  if (summary.rejected.some((entry) => entry.status === 429)) {
    notes.push(
      'The service limits webhook requests per client per minute (RATE_LIMIT_PER_MINUTE, default 6000): ' +
        'lower --rate, or start it with RATE_LIMIT_PER_MINUTE=0 for load tests.',
    );
  }
  if (summary.rejected.some((entry) => entry.status === 401)) {
    notes.push(
      "401: the token is not one of the service's WEBHOOK_TOKENS (see data/secrets.json).",
    );
  }
  if (notes.length > 0) lines.push('', ...notes.map((note) => `  note: ${note}`));
  lines.push(
    '',
    summary.failed === 0
      ? summary.interrupted
        ? 'INTERRUPTED: no failures so far'
        : 'OK: every request got its expected answer'
      : `FAILED: ${summary.failed} requests failed`,
  );
  return lines.join('\n') + '\n';
}
