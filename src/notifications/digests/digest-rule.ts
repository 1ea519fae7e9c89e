import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayNotEmpty,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  validateSync,
  type ValidatorOptions,
} from 'class-validator';
import { WEEKDAYS, isValidTimeZone, type Weekday } from '../../common/time/weekly-window';
import { flattenValidationErrors } from '../../common/validation/validation.options';
import { ChannelDto, type NotificationSettings } from '../channels/notification-channel';
import type { RuleEntry } from '../rules/rules-source';
import type { DigestSchedule } from './digest-schedule';

// A digest rule: instead of `on` events, a schedule. It sends a summary of
// the support figures by e-mail (see digest-report.ts).

export const DIGEST_KINDS = ['daily', 'weekly'] as const;
/** What a digest's subject may name. */
const SUBJECT_FIELDS = ['rule', 'period'];
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
export const DEFAULT_DIGEST_SUBJECT = 'Support digest: {{period}}';

/** An e-mail entry of a digest's `send`: the e-mail channel's addressing, the content is the digest. */
export class DigestEmailDto extends ChannelDto {
  @IsIn(['email'], { message: 'digests are sent by e-mail only: channel must be email' })
  override channel!: string;

  @IsArray()
  @ArrayMinSize(1)
  @IsEmail({ require_tld: false }, { each: true, message: 'to must hold e-mail addresses' })
  to!: string[];

  /** Defaults to NOTIFY_EMAIL_FROM. */
  @IsOptional()
  @IsString()
  from?: string;

  /** `{{rule}}` and `{{period}}` are filled in. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;
}

export class DigestRuleDto {
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'name must be 1-64 lower-case letters, digits, _ or -',
  })
  name!: string;

  @IsIn(DIGEST_KINDS, { message: `digest must be one of ${DIGEST_KINDS.join(', ')}` })
  digest!: (typeof DIGEST_KINDS)[number];

  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'at must be a local time HH:MM' })
  at!: string;

  /** Defaults to SUPPORT_TIMEZONE. */
  @IsOptional()
  @IsString()
  timeZone?: string;

  /** Weekly only. */
  @IsOptional()
  @IsIn(WEEKDAYS, { message: `day must be one of ${WEEKDAYS.join(', ')}` })
  day?: Weekday;

  @IsArray()
  @ArrayNotEmpty()
  send!: Record<string, unknown>[];
}

/** A digest rule ready to schedule; its time zone is SUPPORT_TIMEZONE's when the rule names none. */
export interface CompiledDigest {
  readonly name: string;
  readonly schedule: Omit<DigestSchedule, 'timeZone'> & { readonly timeZone: string | undefined };
  readonly channels: readonly { readonly id: string; readonly config: DigestEmailDto }[];
}

type Report = (field: string, message: string) => void;

const validatorOptions: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

/** A rules-file entry with `digest:` is a digest rule, checked here rather than as an event rule. */
export const isDigestEntry = (entry: RuleEntry): boolean =>
  entry.rule !== null && entry.rule.digest !== undefined;

/** Checks a digest entry, every problem reported with its field; null when there was one. */
export function checkDigestRule(
  entry: RuleEntry,
  settings: NotificationSettings,
  reportTo: Report,
): CompiledDigest | null {
  let problems = 0;
  const report: Report = (field, message) => {
    problems += 1;
    reportTo(field, message);
  };
  for (const { field, message } of entry.problems) report(field, message);
  if (entry.rule === null) return null;
  // Reading the file fills in event rules' fields (`on`, `when`) as undefined: not the author's.
  const plain = Object.fromEntries(
    Object.entries(entry.rule).filter(([, value]) => value !== undefined),
  );
  if (typeof plain.day === 'string') plain.day = plain.day.toLowerCase();
  const rule = plainToInstance(DigestRuleDto, plain);
  for (const { field, message } of flattenValidationErrors(validateSync(rule, validatorOptions))) {
    report(field, message);
  }
  if (rule.timeZone !== undefined && !isValidTimeZone(rule.timeZone)) {
    report('timeZone', `unknown time zone ${rule.timeZone}`);
  }
  if (rule.digest === 'weekly' && rule.day === undefined) {
    report('day', `a weekly digest needs a day (${WEEKDAYS.join(', ')})`);
  }
  if (rule.digest === 'daily' && rule.day !== undefined) {
    report('day', 'only a weekly digest has a day');
  }

  const channels: { id: string; config: DigestEmailDto }[] = [];
  (Array.isArray(rule.send) ? rule.send : []).forEach((send, index) => {
    const path = `send[${index}]`;
    const config = plainToInstance(DigestEmailDto, send);
    const errors = flattenValidationErrors(validateSync(config, validatorOptions), path);
    for (const { field, message } of errors) report(field, message);
    const unknown = [...(config.subject ?? '').matchAll(PLACEHOLDER)]
      .map((match) => match[1])
      .filter((field) => !SUBJECT_FIELDS.includes(field));
    if (unknown.length > 0) report(`${path}.subject`, `unknown fields ${unknown.join(', ')}`);
    if (settings.smtpUrl === undefined)
      report(`${path}.channel`, 'e-mail needs SMTP_URL to be set');
    channels.push({ id: index === 0 ? 'email' : `email-${index + 1}`, config });
  });

  if (problems > 0) return null;
  const [hours, minutes] = rule.at.split(':').map(Number);
  return {
    name: rule.name,
    schedule: {
      every: rule.digest,
      at: hours * 60 + minutes,
      ...(rule.day === undefined ? {} : { day: rule.day }),
      timeZone: rule.timeZone,
    },
    channels,
  };
}
