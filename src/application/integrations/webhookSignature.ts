import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-HealthVision-Signature';
export const TIMESTAMP_HEADER = 'X-HealthVision-Timestamp';
export const DELIVERY_HEADER = 'X-HealthVision-Delivery';
export const EVENT_HEADER = 'X-HealthVision-Event';

/**
 * `sha256=` + hex HMAC-SHA256 over `{timestamp}.{raw body}`: the timestamp is signed with the body,
 * so a captured request cannot be replayed later under a fresh timestamp (receivers refuse old ones).
 */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

export function webhookHeaders(input: { secret: string; deliveryId: string; eventType: string; body: string; at: Date }): Record<string, string> {
  const timestamp = Math.floor(input.at.getTime() / 1000);
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'HealthVision-Webhooks/1',
    [DELIVERY_HEADER]: input.deliveryId,
    [EVENT_HEADER]: input.eventType,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: webhookSignature(input.secret, timestamp, input.body),
  };
}
