import type { AllConfig } from './config/all-config';

/**
 * What an operator pastes into Kommunicate (Settings → Webhooks & Security).
 * Tokens are shown only when kommhook generated them: the operator has no
 * other way to learn them, and ones set in the environment are already known.
 */
export function startupBanner(
  config: Pick<AllConfig, 'app' | 'webhook' | 'security' | 'storage'>,
  url: string,
): string {
  const { security } = config;
  const webhookToken = security.webhookTokensGenerated
    ? security.webhookTokens[0]
    : '(one of WEBHOOK_TOKENS, as set in the environment)';
  const adminToken = security.adminTokenGenerated
    ? security.adminToken
    : '(ADMIN_TOKEN, as set in the environment)';
  const lines = [
    '',
    'kommhook is listening.',
    '',
    'In Kommunicate: Settings → Webhooks & Security',
    `  Webhook URL:           ${url}${config.webhook.path}   (use the address Kommunicate can reach)`,
    `  Authentication token:  ${webhookToken}`,
    '',
    `Admin API (Authorization: Bearer <token>): ${url}/api`,
    `  Admin token:           ${adminToken}`,
    `Dashboard: ${url}/dashboard   API docs: ${url}/docs`,
  ];
  if (security.webhookTokensGenerated || security.adminTokenGenerated) {
    lines.push(
      '',
      `Generated tokens are kept in ${config.storage.dataDir}/secrets.json (mode 0600).`,
    );
  }
  return lines.join('\n') + '\n';
}
