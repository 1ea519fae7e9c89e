import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { parseHolidays, parseOpeningWindows } from '../common/time/business-hours';
import { parseDuration } from '../common/time/duration';
import { isValidTimeZone } from '../common/time/weekly-window';
import { IsHttpUrl } from '../common/validation/is-http-url.decorator';
import { parseRetrySchedule } from './retry-schedule';
import { parseTrustProxy, TrustProxy } from './trust-proxy';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;
/** A sender id, or a glob of them with `*`. */
const SENDER_GLOB = /^[^\s,]{1,256}$/;
const SENDER_GLOB_MESSAGE = 'must be comma-separated user ids or globs with * (no spaces)';
/** An empty variable (`FOO=` in .env) means "not set". */
const blankIsUnset = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * The whole environment the service reads, checked once at start-up. A wrong
 * value stops the start with a message that names the variable.
 */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a port number (1-65535)' })
  @Min(1, { message: 'must be a port number (1-65535)' })
  @Max(65535, { message: 'must be a port number (1-65535)' })
  PORT?: number;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsString()
  HOST?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @Matches(/^\/[A-Za-z0-9/_.~-]*$/, {
    message: 'must be a path starting with / (letters, digits, / _ . ~ -)',
  })
  WEBHOOK_PATH?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @Transform(toList)
  @MinLength(16, { each: true, message: 'each token must be at least 16 characters' })
  @Matches(/^[\x21-\x7e]+$/, {
    each: true,
    message: 'tokens must be printable ASCII without spaces',
  })
  WEBHOOK_TOKENS?: string[];

  @IsOptional()
  @Transform(blankIsUnset)
  @MinLength(16, { message: 'must be at least 16 characters' })
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
  ADMIN_TOKEN?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @Matches(/^((sqlite|file):.+|postgres(ql)?:\/\/.+)$/, {
    message: 'must be sqlite:<file> or postgres://user:password@host:port/database',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of connections (1-100)' })
  @Min(1, { message: 'must be a whole number of connections (1-100)' })
  @Max(100, { message: 'must be a whole number of connections (1-100)' })
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds (100-600000)' })
  @Min(100, { message: 'must be a whole number of milliseconds (100-600000)' })
  @Max(600000, { message: 'must be a whole number of milliseconds (100-600000)' })
  DATABASE_STATEMENT_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds (0-60000)' })
  @Min(0, { message: 'must be a whole number of milliseconds (0-60000)' })
  @Max(60000, { message: 'must be a whole number of milliseconds (0-60000)' })
  STORE_BUSY_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(blankIsUnset)
  @Matches(/^\d+(\.\d+)?\s*(b|kb|mb)?$/i, {
    message: 'must be a size such as 1mb, 512kb or 100000',
  })
  BODY_LIMIT?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevel;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of requests per minute (0 turns limiting off)' })
  @Min(0, { message: 'must be a whole number of requests per minute (0 turns limiting off)' })
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(blankIsUnset)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (parseTrustProxy(value) ?? value) : value,
  )
  @ValidateBy(
    {
      name: 'isTrustProxy',
      validator: { validate: (value) => typeof value === 'number' || Array.isArray(value) },
    },
    {
      message:
        'must be false, true (one proxy), a number of proxy hops, or a comma-separated list of proxy addresses or CIDR ranges (e.g. 10.0.0.0/8,loopback)',
    },
  )
  TRUST_PROXY?: TrustProxy;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  METRICS_PUBLIC?: boolean;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsHttpUrl({ message: 'must be an http(s) URL' })
  NOTIFY_WEBHOOK_URL?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsString()
  NOTIFICATIONS_FILE?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @Matches(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsString()
  NOTIFY_EMAIL_FROM?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsHttpUrl({ message: 'must be an http(s) URL' })
  KOMMUNICATE_API_URL?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsString()
  KOMMUNICATE_API_KEY?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @IsString()
  KOMMUNICATE_REPLY_USER?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds (100-60000)' })
  @Min(100, { message: 'must be a whole number of milliseconds (100-60000)' })
  @Max(60000, { message: 'must be a whole number of milliseconds (100-60000)' })
  NOTIFY_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(blankIsUnset)
  @ValidateBy(
    {
      name: 'isRetrySchedule',
      validator: {
        validate: (value) => typeof value === 'string' && parseRetrySchedule(value) !== null,
      },
    },
    { message: 'must be a comma-separated list of waits such as 5s,30s,2m,1h (units ms, s, m, h)' },
  )
  RETRY_SCHEDULE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 1 to 256' })
  @Min(1, { message: 'must be a whole number from 1 to 256' })
  @Max(256, { message: 'must be a whole number from 1 to 256' })
  DELIVERY_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds (1000 or more)' })
  @Min(1000, { message: 'must be a whole number of milliseconds (1000 or more)' })
  DELIVERY_LEASE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds (10-60000)' })
  @Min(10, { message: 'must be a whole number of milliseconds (10-60000)' })
  @Max(60000, { message: 'must be a whole number of milliseconds (10-60000)' })
  DELIVERY_POLL_MS?: number;

  @IsOptional()
  @Transform(blankIsUnset)
  @Transform(toList)
  @Matches(SENDER_GLOB, { each: true, message: SENDER_GLOB_MESSAGE })
  SUPPORT_AGENTS?: string[];

  @IsOptional()
  @Transform(blankIsUnset)
  @Transform(toList)
  @Matches(SENDER_GLOB, { each: true, message: SENDER_GLOB_MESSAGE })
  SUPPORT_BOTS?: string[];

  @IsOptional()
  @Transform(blankIsUnset)
  @Matches(/^[\x21-\x7e]{1,256}$/, { message: 'must be a metadata key (printable, no spaces)' })
  SUPPORT_ROLE_METADATA_KEY?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value) => typeof value === 'string' && parseDuration(value) !== null,
      },
    },
    { message: 'must be a duration such as 24h, 30m or 90s (units s, m, h, d)' },
  )
  SUPPORT_SESSION_GAP?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @ValidateBy(
    {
      name: 'isTimeZone',
      validator: { validate: (value) => typeof value === 'string' && isValidTimeZone(value) },
    },
    { message: 'must be an IANA time zone such as Europe/Berlin or UTC' },
  )
  SUPPORT_TIMEZONE?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @ValidateBy(
    {
      name: 'isOpeningWindows',
      validator: {
        validate: (value) => typeof value === 'string' && parseOpeningWindows(value) !== null,
      },
    },
    {
      message: 'must be weekly openings such as "Mon-Fri 09:00-17:00" (several separated by ;)',
    },
  )
  SUPPORT_BUSINESS_HOURS?: string;

  @IsOptional()
  @Transform(blankIsUnset)
  @ValidateBy(
    {
      name: 'isHolidays',
      validator: {
        validate: (value) => typeof value === 'string' && parseHolidays(value) !== null,
      },
    },
    { message: 'must be a comma-separated list of dates such as 2026-12-24,2026-12-25' },
  )
  SUPPORT_HOLIDAYS?: string;
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** An error in a few words: a file-system one as "ENOTDIR: not a directory", without call and path. */
export const reasonOf = (error: unknown): string =>
  error instanceof Error ? error.message.replace(/, \w+ '.*'$/, '') : String(error);

/** Validates and converts the raw environment; throws one error listing every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map(
      // Checks of one variable often share a message ("must be a port number"): say it once.
      (error) =>
        `  ${error.property}: ${[...new Set(Object.values(error.constraints ?? {}))].join('; ')}`,
    );
    throw new ConfigurationError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}
