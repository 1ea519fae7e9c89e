import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidatorOptions } from 'class-validator';
import { parseDuration } from '../../common/time/duration';
import { flattenValidationErrors } from '../../common/validation/validation.options';
import type { ChannelDto } from '../channels/notification-channel';
import { type AlertClock, CONVERSATION_UNANSWERED, UnansweredRuleDto } from './unanswered-rule.dto';

/** The channels an alert can go through, and whether they can say "resolved" too. */
export const ALERT_CHANNELS: Readonly<Record<string, { readonly resolves: boolean }>> = {
  webhook: { resolves: true },
  slack: { resolves: true },
  email: { resolves: false },
};

/** A compiled alert: when each step is due after the wait's start, and where it goes. */
export interface UnansweredPlan {
  readonly clock: AlertClock;
  /** The ladder, first step first; `afterMs` rises from step to step. */
  readonly steps: readonly {
    readonly afterMs: number;
    readonly channels: readonly { readonly id: string; readonly config: ChannelDto }[];
  }[];
  /** Extra sends of the last step. */
  readonly repeat: number;
}

/** True for an entry that is an alert rule, whatever else is wrong with it. */
export function isUnansweredEntry(rule: Record<string, unknown>): boolean {
  return Array.isArray(rule.on) && rule.on.includes(CONVERSATION_UNANSWERED);
}

type Report = (field: string, message: string) => void;

/**
 * Checks an alert rule and plans it. `checks` are the event rules' own
 * checks, so both kinds report alike; the caller counts what `report` is
 * told and drops the plan when anything was.
 */
export function checkUnansweredRule(
  raw: Record<string, unknown>,
  validatorOptions: ValidatorOptions,
  checks: {
    readonly channel: (send: unknown, path: string) => ChannelDto | null;
    readonly conditions: (rule: UnansweredRuleDto) => void;
  },
  report: Report,
): { rule: UnansweredRuleDto; plan: UnansweredPlan } {
  const rule = plainToInstance(UnansweredRuleDto, raw);
  for (const { field, message } of flattenValidationErrors(validateSync(rule, validatorOptions))) {
    report(field, message);
  }
  const perType = new Map<string, number>();
  const channelsOf = (sends: unknown, path: string) => {
    const channels: { id: string; config: ChannelDto }[] = [];
    (Array.isArray(sends) ? sends : []).forEach((send: unknown, index) => {
      const at = `${path}[${index}]`;
      const type = (send as { channel?: unknown } | null)?.channel;
      if (typeof type === 'string' && !ALERT_CHANNELS[type]) {
        // Before its options: what else is wrong with them does not matter.
        report(
          `${at}.channel`,
          `${type} cannot send alerts (use ${Object.keys(ALERT_CHANNELS).join(', ')})`,
        );
        return;
      }
      const config = checks.channel(send, at);
      if (!config) return;
      // Numbered across the whole ladder: each id names one place alerts go.
      const seen = (perType.get(config.channel) ?? 0) + 1;
      perType.set(config.channel, seen);
      channels.push({ id: seen === 1 ? config.channel : `${config.channel}-${seen}`, config });
    });
    return channels;
  };
  const steps = [{ afterMs: durationOf(rule.after), channels: channelsOf(rule.send, 'send') }];
  (Array.isArray(rule.escalate) ? rule.escalate : []).forEach((step, index) => {
    const path = `escalate.${index}`;
    const afterMs = durationOf(step?.after);
    const before = steps.at(-1)!;
    if (afterMs !== null && before.afterMs !== null && afterMs <= before.afterMs) {
      report(
        `${path}.after`,
        'must be later than the step before (each counts from the wait start)',
      );
    }
    steps.push({ afterMs, channels: channelsOf(step?.send, `${path}.send`) });
  });
  checks.conditions(rule);
  return {
    rule,
    plan: {
      clock: rule.clock ?? 'wall',
      steps: steps.map((step) => ({ afterMs: step.afterMs ?? 0, channels: step.channels })),
      repeat: rule.repeat ?? 0,
    },
  };
}

function durationOf(text: unknown): number | null {
  return typeof text === 'string' ? parseDuration(text) : null;
}
