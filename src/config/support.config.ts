import { registerAs } from '@nestjs/config';
import { parseHolidays, parseOpeningWindows } from '../common/time/business-hours';
import { parseDuration } from '../common/time/duration';
import { validateEnvironment } from './environment';

export const DEFAULT_BUSINESS_HOURS = 'Mon-Fri 09:00-17:00';

export const supportConfig = registerAs('support', () => {
  const env = validateEnvironment(process.env);
  const agents = env.SUPPORT_AGENTS ?? [];
  const bots = env.SUPPORT_BOTS ?? [];
  return {
    /**
     * Support metrics run once someone is known to be an agent or a bot:
     * before that every message is a customer's and every session
     * unanswered, figures that would only mislead.
     */
    enabled: agents.length > 0 || bots.length > 0 || env.SUPPORT_ROLE_METADATA_KEY !== undefined,
    /** User ids or `*` globs of human agents, and of bots. */
    agents,
    bots,
    /** A metadata key whose value (`agent`, `bot`, `customer`) names the sender's role. */
    roleMetadataKey: env.SUPPORT_ROLE_METADATA_KEY,
    /** kommhook's own replies (the `kommunicate-reply` channel) are a bot's. */
    replyUser: env.KOMMUNICATE_REPLY_USER ?? 'kommhook-bot',
    /** A message this long or longer after the previous one of its conversation starts a session. */
    sessionGapMs: parseDuration(env.SUPPORT_SESSION_GAP ?? '24h')!,
    timeZone: env.SUPPORT_TIMEZONE ?? 'UTC',
    businessHours: {
      timeZone: env.SUPPORT_TIMEZONE ?? 'UTC',
      windows: parseOpeningWindows(env.SUPPORT_BUSINESS_HOURS ?? DEFAULT_BUSINESS_HOURS)!,
      holidays: new Set(parseHolidays(env.SUPPORT_HOLIDAYS ?? '') ?? []),
    },
  };
});
