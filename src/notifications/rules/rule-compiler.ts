import { plainToInstance } from 'class-transformer';
import { validateSync, ValidatorOptions } from 'class-validator';
import { flattenValidationErrors } from '../../common/validation/validation.options';
import { ConfigurationError } from '../../config/environment';
import { MESSAGE_RECEIVED, type EventName } from '../../messages';
import type { ChannelDefinition } from '../channels/channel.decorator';
import type { ChannelDto, NotificationSettings } from '../channels/notification-channel';
import { compileConditions, Condition } from './rule-conditions';
import { type ConditionsDto, RuleDto } from './rule.dto';
import { checkUnansweredRule, isUnansweredEntry, type UnansweredPlan } from './unanswered-rule';
import { readRules, type RuleEntry, type RulesDocument, type RulesSource } from './rules-source';
import { isValidTimeZone } from '../../common/time/weekly-window';
import { checkDigestRule, isDigestEntry, type CompiledDigest } from '../digests/digest-rule';

/** A rule ready to run: its predicate compiled, one entry per channel to send through. */
export interface CompiledRule {
  readonly name: string;
  readonly events: readonly EventName[];
  readonly matches: Condition;
  readonly channels: readonly { readonly id: string; readonly config: ChannelDto }[];
  readonly throttle: { readonly max: number; readonly windowMs: number } | null;
  /** An alert rule's ladder (`on: conversation.unanswered`); `channels` then lists every step's. */
  readonly unanswered?: UnansweredPlan;
}

/** What rules are checked against besides their own shape. */
export interface RuleContext {
  /** The channels a rule may name, in the order an error lists them. */
  readonly channels: readonly ChannelDefinition[];
  /** What the channels need from the environment is checked against these. */
  readonly settings: NotificationSettings;
}

type Report = (field: string, message: string) => void;

const validatorOptions: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};
const DURATION_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The rules of a file by kind: those run on events, and the digests run on a schedule. */
export interface RuleSet {
  readonly rules: CompiledRule[];
  readonly digests: CompiledDigest[];
}

/** Reads, checks and compiles the rules of a source (see rules-source.ts and compileRules). */
export function loadRules(source: RulesSource, context: RuleContext): CompiledRule[] {
  return compileRules(readRules(source), context);
}

/** loadRules, the digest rules too. */
export function loadRuleSet(source: RulesSource, context: RuleContext): RuleSet {
  return compileRuleSet(readRules(source), context);
}

/** The event rules of compileRuleSet. */
export function compileRules(document: RulesDocument, context: RuleContext): CompiledRule[] {
  return compileRuleSet(document, context).rules;
}

/**
 * Checks and compiles the rules. Every problem is reported at once, each
 * line naming the rule and the field, and stops the start.
 */
export function compileRuleSet(document: RulesDocument, context: RuleContext): RuleSet {
  const channels = new Map(context.channels.map((channel) => [channel.type, channel]));
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const digests: CompiledDigest[] = [];
  const names = new Set<unknown>();
  for (const entry of document.entries) {
    const report: Report = (field, message) => {
      // Validation messages start with the field's path already.
      const text = message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
      problems.push(`  rule ${entry.label}: ${field}: ${text}`);
    };
    if (typeof entry.name === 'string') {
      if (names.has(entry.name)) report('name', 'another rule has the same name');
      names.add(entry.name);
    }
    if (
      (isDigestEntry(entry) || (entry.rule !== null && isUnansweredEntry(entry.rule))) &&
      !context.settings.supportRoles
    ) {
      report(
        entry.rule !== null && isUnansweredEntry(entry.rule) ? 'on' : 'digest',
        'needs SUPPORT_AGENTS, SUPPORT_BOTS or SUPPORT_ROLE_METADATA_KEY: until someone is an agent, no customer is ever answered',
      );
      continue;
    }
    if (isDigestEntry(entry)) {
      const digest = checkDigestRule(entry, context.settings, report);
      if (digest) digests.push(digest);
      continue;
    }
    const rule = checkRule(entry, channels, context.settings, report);
    if (rule) rules.push(rule);
  }

  if (problems.length > 0) {
    // The first line names the variable; one line per problem follows.
    throw new ConfigurationError(`${document.origin}:\n${problems.join('\n')}`);
  }
  return { rules, digests };
}

function checkRule(
  entry: RuleEntry,
  channelsByType: ReadonlyMap<string, ChannelDefinition>,
  settings: NotificationSettings,
  reportTo: Report,
): CompiledRule | null {
  let problems = 0;
  const report: Report = (field, message) => {
    problems += 1;
    reportTo(field, message);
  };
  for (const { field, message } of entry.problems) report(field, message);
  if (entry.rule === null) return null;
  if (isUnansweredEntry(entry.rule)) {
    const { rule, plan } = checkUnansweredRule(
      entry.rule,
      validatorOptions,
      {
        channel: (send, path) => checkChannel(send, path, channelsByType, settings, report),
        conditions: (dto) => checkConditions(dto, report),
      },
      report,
    );
    if (problems > 0) return null;
    // Its timers start from the customer's message: see alerts/unanswered-alerts.ts.
    return {
      name: rule.name,
      events: [MESSAGE_RECEIVED],
      matches: compileConditions(rule.when),
      channels: plan.steps.flatMap((step) => step.channels),
      throttle: null,
      unanswered: plan,
    };
  }
  const rule = plainToInstance(RuleDto, entry.rule);
  for (const { field, message } of flattenValidationErrors(validateSync(rule, validatorOptions))) {
    report(field, message);
  }

  const channels: { id: string; config: ChannelDto }[] = [];
  const perType = new Map<string, number>();
  (Array.isArray(rule.send) ? rule.send : []).forEach((send, index) => {
    const config = checkChannel(send, `send[${index}]`, channelsByType, settings, report);
    if (!config) return;
    const seen = (perType.get(config.channel) ?? 0) + 1;
    perType.set(config.channel, seen);
    channels.push({ id: seen === 1 ? config.channel : `${config.channel}-${seen}`, config });
  });

  checkConditions(rule, report);
  if (problems > 0) return null;
  return {
    name: rule.name,
    events: rule.on,
    matches: compileConditions(rule.when),
    channels,
    throttle: rule.throttle
      ? { max: rule.throttle.max, windowMs: durationMs(rule.throttle.per) }
      : null,
  };
}

/** One entry of `send`, against the options class of the channel it names. */
function checkChannel(
  send: unknown,
  path: string,
  channels: ReadonlyMap<string, ChannelDefinition>,
  settings: NotificationSettings,
  report: Report,
): ChannelDto | null {
  const type = (send as { channel?: unknown } | null)?.channel;
  const channel = typeof type === 'string' ? channels.get(type) : undefined;
  if (!channel) {
    report(`${path}.channel`, `must be one of ${[...channels.keys()].join(', ')}`);
    return null;
  }
  const config = plainToInstance(channel.options, send);
  const errors = flattenValidationErrors(validateSync(config, validatorOptions), path);
  for (const { field, message } of errors) report(field, message);
  const missing = channel.requires?.(settings);
  if (missing !== undefined) report(`${path}.channel`, missing);
  return errors.length > 0 ? null : config;
}

function checkConditions(rule: { readonly when?: ConditionsDto }, report: Report): void {
  const { when } = rule;
  if (!when) return;
  if (when.text) {
    try {
      new RegExp(when.text.matches);
    } catch {
      report('when.text.matches', 'must be a valid regular expression');
    }
  }
  for (const side of ['inside', 'outside'] as const) {
    const window = when.time?.[side];
    if (window?.timeZone && !isValidTimeZone(window.timeZone)) {
      report(`when.time.${side}.timeZone`, `unknown time zone ${window.timeZone}`);
    }
  }
  if (when.time && !when.time.inside === !when.time.outside) {
    report('when.time', 'give exactly one of inside or outside');
  }
  for (const [key, condition] of Object.entries(when.metadata ?? {})) {
    const valid =
      condition !== null &&
      typeof condition === 'object' &&
      Object.keys(condition).every((k) => k === 'exists' || k === 'equals') &&
      (condition.exists === undefined || typeof condition.exists === 'boolean') &&
      (condition.equals === undefined || typeof condition.equals === 'string') &&
      (condition.exists !== undefined || condition.equals !== undefined);
    if (!valid) {
      report(
        `when.metadata.${key}`,
        'must be a string, or { exists: true|false } or { equals: "…" }',
      );
    }
  }
}

function durationMs(text: string): number {
  const unit = text.slice(-1) as keyof typeof DURATION_MS;
  return Number(text.slice(0, -1)) * DURATION_MS[unit];
}
