import { registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';

export const notificationsConfig = registerAs('notifications', () => {
  const env = validateEnvironment(process.env);
  return {
    webhookUrl: env.NOTIFY_WEBHOOK_URL,
    timeoutMs: env.NOTIFY_TIMEOUT_MS ?? 5000,
  };
});
