import { createHmac, timingSafeEqual } from 'node:crypto';

/** Razorpay's checkout signature: hex HMAC-SHA256 of `order_id|payment_id` with the key secret. */
export function checkoutSignature(orderId: string, gatewayPaymentId: string, keySecret: string): string {
  return createHmac('sha256', keySecret).update(`${orderId}|${gatewayPaymentId}`).digest('hex');
}

/** Razorpay's webhook signature: hex HMAC-SHA256 of the exact raw body with the webhook secret. */
export function webhookSignature(rawBody: Buffer | string, webhookSecret: string): string {
  return createHmac('sha256', webhookSecret).update(rawBody).digest('hex');
}

/** Constant-time comparison, so a forger learns nothing from response times. */
export function signatureMatches(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const given = /^[0-9a-f]+$/i.test(givenHex) ? Buffer.from(givenHex, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(expected, given);
}
