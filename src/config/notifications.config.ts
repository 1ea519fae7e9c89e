import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { validateEnvironment } from './environment';

export const notificationsConfig = registerAs('notifications', () => {
  const env = validateEnvironment(process.env);
  return {
    /** The rules file (YAML or JSON); unset: only the NOTIFY_WEBHOOK_URL shorthand, if any. */
    rulesFile: env.NOTIFICATIONS_FILE === undefined ? undefined : resolve(env.NOTIFICATIONS_FILE),
    /** Shorthand for one rule: an offline message → POST to this URL. */
    webhookUrl: env.NOTIFY_WEBHOOK_URL,
    /** Whether anyone is known to be an agent or a bot: alerts and digests need it (see support). */
    supportRoles:
      (env.SUPPORT_AGENTS ?? []).length > 0 ||
      (env.SUPPORT_BOTS ?? []).length > 0 ||
      env.SUPPORT_ROLE_METADATA_KEY !== undefined,
    /** Every channel's timeout unless its rule sets one. */
    timeoutMs: env.NOTIFY_TIMEOUT_MS ?? 5000,
    smtpUrl: env.SMTP_URL,
    emailFrom: env.NOTIFY_EMAIL_FROM ?? 'kommhook <kommhook@localhost>',
    kommunicate: {
      apiUrl: (env.KOMMUNICATE_API_URL ?? 'https://services.kommunicate.io').replace(/\/+$/, ''),
      apiKey: env.KOMMUNICATE_API_KEY,
      /** The user kommhook's replies are sent as; its own messages never trigger a rule. */
      replyUser: env.KOMMUNICATE_REPLY_USER ?? 'kommhook-bot',
    },
  };
});
