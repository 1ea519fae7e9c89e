import { registerAs } from '@nestjs/config';
import { join } from 'node:path';
import { ConfigurationError, reasonOf, validateEnvironment } from './environment';
import { GeneratedSecrets, loadOrCreateSecrets, SECRETS_FILE } from './generated-secrets';
import { dataDirOf, prepareDirectory } from './storage.config';

/** Tokens come from the environment; any left unset are generated once under DATA_DIR. */
export const securityConfig = registerAs('security', () => {
  const env = validateEnvironment(process.env);
  const fromEnv = env.WEBHOOK_TOKENS?.length ? env.WEBHOOK_TOKENS : undefined;
  const generated = fromEnv && env.ADMIN_TOKEN ? undefined : generatedSecrets(env.DATA_DIR);
  return {
    webhookTokens: fromEnv ?? [generated!.webhookToken],
    webhookTokensGenerated: !fromEnv,
    adminToken: env.ADMIN_TOKEN ?? generated!.adminToken,
    adminTokenGenerated: !env.ADMIN_TOKEN,
  };
});

function generatedSecrets(dataDirVariable: string | undefined): GeneratedSecrets {
  const dataDir = dataDirOf(dataDirVariable);
  prepareDirectory(dataDir, 'DATA_DIR');
  try {
    return loadOrCreateSecrets(dataDir);
  } catch (error) {
    throw new ConfigurationError(
      `DATA_DIR: cannot keep generated tokens in ${join(dataDir, SECRETS_FILE)} (${reasonOf(error)})`,
    );
  }
}
