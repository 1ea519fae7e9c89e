/**
 * What a channel is told when it sends an alert rather than a message
 * notification: a step of an unanswered-conversation alert, or its
 * resolution. `dedupKey` (conversation + wait start) is the same for both,
 * so the far side can tie the "resolved" to the alert it follows.
 */
export interface AlertNotice {
  readonly kind: 'unanswered' | 'resolved';
  readonly dedupKey: string;
  readonly conversation: string;
  /** The customer message that started the wait: Kommunicate's timeStamp, epoch ms. */
  readonly waitStartedAt: number;
  /** 0 for the first step, 1 for the first escalation or repeat…; null for a resolution. */
  readonly step: number | null;
  /** Wall-clock time the customer waited: until now, or until the agent's answer. */
  readonly waitedMs: number;
}

/** `95000` → `1m 35s`; `7200000` → `2h`: for people, in alert texts. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}m`);
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}

/** The alert in a sentence, before any message text. */
export function alertHeadline(alert: AlertNotice): string {
  return alert.kind === 'resolved'
    ? `Resolved: an agent answered conversation ${alert.conversation} after ${humanDuration(alert.waitedMs)}`
    : `Unanswered for ${humanDuration(alert.waitedMs)}: conversation ${alert.conversation}` +
        (alert.step === 0 ? '' : ` (escalation ${alert.step})`);
}
