import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { WebhookSecrets } from '../../application/ports/webhookSecrets.js';

/**
 * Endpoint secrets derived from a server key: `whsec_` + HMAC-SHA256(key, endpoint id and a random
 * reference). Nothing secret is stored; changing the key changes every endpoint's secret.
 */
export function hmacWebhookSecrets(key: string | Buffer): WebhookSecrets {
  return {
    newReference: () => randomBytes(16).toString('base64url'),
    secretFor: (endpointId, reference) => `whsec_${createHmac('sha256', key).update(`webhook-endpoint\u0000${endpointId}\u0000${reference}`).digest('base64url')}`,
  };
}

/** WEBHOOK_SECRET_KEY when set; otherwise a key of its own derived from the JWT secret (HKDF, its own label). */
export function webhookSecretKey(config: { WEBHOOK_SECRET_KEY?: string; JWT_SECRET: string }): string | Buffer {
  return config.WEBHOOK_SECRET_KEY ?? Buffer.from(hkdfSync('sha256', config.JWT_SECRET, '', 'healthvision webhook endpoint secrets', 32));
}
