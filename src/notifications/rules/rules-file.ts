import { plainToInstance } from 'class-transformer';
import { validateSync, ValidatorOptions } from 'class-validator';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { flattenValidationErrors } from '../../common/validation/validation.options';
import { ConfigurationError, reasonOf } from '../../config/environment';
import { MESSAGE_RECEIVED, type EventName } from '../../messages';
import { unknownPlaceholders } from '../templates';
import { compileConditions, Condition } from './rule-conditions';
import { AnyChannelDto, CHANNEL_DTOS, CHANNEL_TYPES, ChannelType, RuleDto } from './rule.dto';
import { isValidTimeZone } from './weekly-window';

/** A rule ready to run: its predicate compiled, one entry per channel to send through. */
export interface CompiledRule {
  readonly name: string;
  readonly events: readonly EventName[];
  readonly matches: Condition;
  readonly channels: readonly { readonly id: string; readonly config: AnyChannelDto }[];
  readonly throttle: { readonly max: number; readonly windowMs: number } | null;
}

export interface RulesSource {
  /** Path of the rules file, if any. */
  readonly file?: string;
  /** NOTIFY_WEBHOOK_URL: shorthand for the one rule "offline message → webhook". */
  readonly webhookUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What channels need from the environment, to fail at start-up rather than at first send. */
  readonly smtpConfigured: boolean;
  readonly kommunicateConfigured: boolean;
}

/** The rule NOTIFY_WEBHOOK_URL stands for, as before rules files existed. */
export const SHORTHAND_RULE = 'offline-webhook';

const validatorOptions: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};
const DURATION_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Reads, checks and compiles the notification rules. Every problem is
 * reported at once, each line naming the rule and the field, and stops the
 * start. `${NAME}` in any string is taken from the environment, so secrets
 * stay out of the file; their values never appear in a message.
 */
export function loadRules(source: RulesSource): CompiledRule[] {
  const raw: unknown[] = source.file ? readRulesFile(source.file) : [];
  if (source.webhookUrl) {
    raw.push({
      name: SHORTHAND_RULE,
      on: [MESSAGE_RECEIVED],
      when: { receiverConnected: false },
      send: [{ channel: 'webhook', url: source.webhookUrl }],
    });
  }

  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const names = new Set<string>();
  raw.forEach((entry, index) => {
    const label = ruleLabel(entry, index);
    const report = (field: string, message: string): void => {
      // Validation messages start with the field's path already.
      const text = message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
      problems.push(`  rule ${label}: ${field}: ${text}`);
    };
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string') {
      if (names.has(name)) report('name', 'another rule has the same name');
      names.add(name);
    }
    const rule = checkRule(entry, source, report);
    if (rule) rules.push(rule);
  });

  if (problems.length > 0) {
    // The first line names the variable; one line per problem follows.
    const what = source.file
      ? `NOTIFICATIONS_FILE: invalid rules in ${source.file}`
      : 'NOTIFY_WEBHOOK_URL: invalid rule';
    throw new ConfigurationError(`${what}:\n${problems.join('\n')}`);
  }
  return rules;
}

function readRulesFile(file: string): unknown[] {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(
      `NOTIFICATIONS_FILE: cannot read ${file}: ${reasonOf(error).split('\n')[0]}`,
    );
  }
  const rules = (document as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) {
    throw new ConfigurationError(`NOTIFICATIONS_FILE: ${file} must have a list under "rules"`);
  }
  return rules as unknown[];
}

function ruleLabel(entry: unknown, index: number): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? `"${name}"` : `#${index + 1}`;
}

function checkRule(
  entry: unknown,
  source: RulesSource,
  reportTo: (field: string, message: string) => void,
): CompiledRule | null {
  let problems = 0;
  const report = (field: string, message: string): void => {
    problems += 1;
    reportTo(field, message);
  };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    report('(rule)', 'must be a mapping with name, on, when, send');
    return null;
  }
  const plain = normalise(substituteEnv(entry, '', source.env, report) as Record<string, unknown>);
  const rule = plainToInstance(RuleDto, plain);
  for (const { field, message } of flattenValidationErrors(validateSync(rule, validatorOptions))) {
    report(field, message);
  }

  const channels: { id: string; config: AnyChannelDto }[] = [];
  const perType = new Map<ChannelType, number>();
  (Array.isArray(rule.send) ? rule.send : []).forEach((send, index) => {
    const config = checkChannel(send, `send[${index}]`, source, report);
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

function checkChannel(
  send: unknown,
  path: string,
  source: RulesSource,
  report: (field: string, message: string) => void,
): AnyChannelDto | null {
  const type = (send as { channel?: unknown } | null)?.channel;
  if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
    report(`${path}.channel`, `must be one of ${CHANNEL_TYPES.join(', ')}`);
    return null;
  }
  const config = plainToInstance(CHANNEL_DTOS[type as ChannelType], send);
  const errors = flattenValidationErrors(validateSync(config, validatorOptions), path);
  for (const { field, message } of errors) report(field, message);
  for (const field of ['template', 'subject'] as const) {
    const template = (config as Partial<Record<typeof field, unknown>>)[field];
    if (typeof template !== 'string') continue;
    const unknown = unknownPlaceholders(template);
    if (unknown.length > 0) report(`${path}.${field}`, `unknown fields ${unknown.join(', ')}`);
  }
  if (config.channel === 'email' && !source.smtpConfigured) {
    report(`${path}.channel`, 'e-mail needs SMTP_URL to be set');
  }
  if (config.channel === 'kommunicate-reply' && !source.kommunicateConfigured) {
    report(`${path}.channel`, 'kommunicate-reply needs KOMMUNICATE_API_KEY to be set');
  }
  return errors.length > 0 ? null : config;
}

function checkConditions(rule: RuleDto, report: (field: string, message: string) => void): void {
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

/** Single values where lists are meant, numbers where text is meant, shorthand metadata. */
function normalise(rule: Record<string, unknown>): Record<string, unknown> {
  const list = (value: unknown): unknown =>
    value === undefined ? undefined : Array.isArray(value) ? value : [value];
  const texts = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map((v: unknown) => (typeof v === 'number' ? String(v) : v))
      : value;
  const when = rule.when as Record<string, unknown> | undefined;
  return {
    ...rule,
    on: list(rule.on),
    when:
      when && typeof when === 'object'
        ? {
            ...when,
            contentType: list(when.contentType),
            conversation: texts(list(when.conversation)),
            metadata:
              when.metadata && typeof when.metadata === 'object'
                ? Object.fromEntries(
                    Object.entries(when.metadata as Record<string, unknown>).map(([k, v]) => [
                      k,
                      typeof v === 'string' ? { equals: v } : v,
                    ]),
                  )
                : when.metadata,
          }
        : when,
  };
}

/** `${NAME}` → the variable's value; an unset one is an error naming the field, not the value. */
function substituteEnv(
  value: unknown,
  path: string,
  env: RulesSource['env'],
  report: (field: string, message: string) => void,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      const found = env[name];
      if (found === undefined) {
        report(path || '(rule)', `environment variable ${name} is not set`);
        return whole;
      }
      return found;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => substituteEnv(item, `${path}[${index}]`, env, report));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substituteEnv(item, path ? `${path}.${key}` : key, env, report),
      ]),
    );
  }
  return value;
}

function durationMs(text: string): number {
  const unit = text.slice(-1) as keyof typeof DURATION_MS;
  return Number(text.slice(0, -1)) * DURATION_MS[unit];
}
