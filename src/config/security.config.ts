import { registerAs } from '@nestjs/config';
import { validateEnvironment } from './environment';
import { loadOrCreateSecrets } from './generated-secrets';
import { dataDirOf } from './storage.config';

/** Tokens come from the environment; any left unset are generated once under DATA_DIR. */
export const securityConfig = registerAs('security', () => {
  const env = validateEnvironment(process.env);
  const fromEnv = env.WEBHOOK_TOKENS?.length ? env.WEBHOOK_TOKENS : undefined;
  const generated =
    fromEnv && env.ADMIN_TOKEN ? undefined : loadOrCreateSecrets(dataDirOf(env.DATA_DIR));
  return {
    webhookTokens: fromEnv ?? [generated!.webhookToken],
    webhookTokensGenerated: !fromEnv,
    adminToken: env.ADMIN_TOKEN ?? generated!.adminToken,
    adminTokenGenerated: !env.ADMIN_TOKEN,
  };
});
