import type { ConfigType } from '@nestjs/config';
import { appConfig } from './app.config';
import { deliveryConfig } from './delivery.config';
import { notificationsConfig } from './notifications.config';
import { securityConfig } from './security.config';
import { storageConfig } from './storage.config';
import { supportConfig } from './support.config';
import { webhookConfig } from './webhook.config';

export const configNamespaces = [
  appConfig,
  storageConfig,
  securityConfig,
  webhookConfig,
  notificationsConfig,
  deliveryConfig,
  supportConfig,
];

/** The typed shape behind `ConfigService<AllConfig, true>`. */
export interface AllConfig {
  app: ConfigType<typeof appConfig>;
  storage: ConfigType<typeof storageConfig>;
  security: ConfigType<typeof securityConfig>;
  webhook: ConfigType<typeof webhookConfig>;
  notifications: ConfigType<typeof notificationsConfig>;
  delivery: ConfigType<typeof deliveryConfig>;
  support: ConfigType<typeof supportConfig>;
}
