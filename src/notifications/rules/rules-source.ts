import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigurationError, reasonOf } from '../../config/environment';
import { MESSAGE_RECEIVED } from '../../messages';

// Reading the rules: the file (YAML or JSON) or the NOTIFY_WEBHOOK_URL
// shorthand, `${NAME}` taken from the environment, shorthand forms made
// regular. What the entries mean is rule-compiler.ts's business.

export interface RulesSource {
  /** Path of the rules file, if any. */
  readonly file?: string;
  /** NOTIFY_WEBHOOK_URL: shorthand for the one rule "offline message → webhook". */
  readonly webhookUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A problem found in one rule: the field's path and what is wrong with it. */
export interface RuleProblem {
  readonly field: string;
  readonly message: string;
}

/** One entry of the rules list, read but not yet checked. */
export interface RuleEntry {
  /** How messages name it: `"its-name"`, or `#3` when it has no name. */
  readonly label: string;
  /** Its name as written, before substitution: what duplicates are found by. */
  readonly name: unknown;
  /** The entry with `${NAME}` substituted and shorthands expanded; null when it is no mapping. */
  readonly rule: Record<string, unknown> | null;
  /** What reading it found wrong (an entry that is no mapping, an unset variable). */
  readonly problems: readonly RuleProblem[];
}

export interface RulesDocument {
  /** Heads the start-up error: names the variable the rules came from. */
  readonly origin: string;
  readonly entries: readonly RuleEntry[];
}

/** The rule NOTIFY_WEBHOOK_URL stands for, as before rules files existed. */
export const SHORTHAND_RULE = 'offline-webhook';

/**
 * Reads the rules of a source. A file that cannot be read or holds no list
 * stops the start here; a problem within a rule is left in its entry, for the
 * compiler to report with all the others. Values of variables never appear
 * in a problem.
 */
export function readRules(source: RulesSource): RulesDocument {
  const raw: unknown[] = source.file ? readRulesFile(source.file) : [];
  if (source.webhookUrl) {
    raw.push({
      name: SHORTHAND_RULE,
      on: [MESSAGE_RECEIVED],
      when: { receiverConnected: false },
      send: [{ channel: 'webhook', url: source.webhookUrl }],
    });
  }
  return {
    origin: source.file
      ? `NOTIFICATIONS_FILE: invalid rules in ${source.file}`
      : 'NOTIFY_WEBHOOK_URL: invalid rule',
    entries: raw.map((entry, index) => readEntry(entry, index, source.env)),
  };
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

function readEntry(entry: unknown, index: number, env: RulesSource['env']): RuleEntry {
  const name = (entry as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' && name !== '' ? `"${name}"` : `#${index + 1}`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return {
      label,
      name,
      rule: null,
      problems: [{ field: '(rule)', message: 'must be a mapping with name, on, when, send' }],
    };
  }
  const problems: RuleProblem[] = [];
  const substituted = substituteEnv(entry, '', env, (field, message) =>
    problems.push({ field, message }),
  ) as Record<string, unknown>;
  return { label, name, rule: normalise(substituted), problems };
}

/** `${NAME}` → the variable's value; an unset one is a problem naming the field, not the value. */
export function substituteEnv(
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

/** Single values where lists are meant, numbers where text is meant, shorthand metadata. */
export function normalise(rule: Record<string, unknown>): Record<string, unknown> {
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
