import { retryDelays } from '../../domain/integrations/webhookDelivery.js';
import type { Config } from '../config.js';
import { endpointAddressPolicy } from './endpointAddressPolicy.js';
import { fetchWebhookTransport } from './fetchWebhookTransport.js';
import { hmacWebhookSecrets, webhookSecretKey } from './hmacWebhookSecrets.js';

/** The webhooks' outside-world adapters and retry schedule, from configuration. */
export function integrationsAdapters(config: Config) {
  const addresses = endpointAddressPolicy({ allowPrivate: config.webhookAllowPrivateAddresses });
  return {
    addresses,
    transport: fetchWebhookTransport({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, addresses }),
    secrets: hmacWebhookSecrets(webhookSecretKey(config)),
    retryDelaysMs: retryDelays(config.WEBHOOK_RETRY_BASE_SECONDS * 1000, config.WEBHOOK_RETRY_WINDOW_SECONDS * 1000),
  };
}
