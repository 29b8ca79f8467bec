import type { Decider } from '../shared/event.js';

/**
 * The inbox for gateway webhooks (`gateway-webhook-{eventId}`): one stream per delivery id, so a
 * redelivered webhook finds its stream already written and is ignored, and the work after the 2xx
 * answer is done by a reactor (at least once) rather than lost with the request.
 */
export type GatewayNotice =
  | { kind: 'payment.captured'; orderId: string; gatewayPaymentId: string; amountPaise: number }
  | { kind: 'payment.failed'; orderId: string; gatewayPaymentId: string; amountPaise: number; reason: string }
  | { kind: 'refund.processed'; gatewayPaymentId: string; gatewayRefundId: string; amountPaise: number };

export type GatewayWebhookEvent = { type: 'GatewayWebhookReceived'; data: { webhookEventId: string; notice: GatewayNotice } };

export type GatewayWebhook = { received: boolean };

export const gatewayWebhookDecider: Decider<GatewayWebhook, GatewayWebhookEvent> = {
  initialState: { received: false },
  evolve: () => ({ received: true }),
};

export function receiveWebhook(state: GatewayWebhook, cmd: { webhookEventId: string; notice: GatewayNotice }): GatewayWebhookEvent[] {
  if (state.received) return [];
  return [{ type: 'GatewayWebhookReceived', data: { webhookEventId: cmd.webhookEventId, notice: cmd.notice } }];
}
