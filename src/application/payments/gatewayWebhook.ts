import { createHash } from 'node:crypto';
import { failPayment, paymentDecider, PaymentMismatch } from '../../domain/payments/payment.js';
import { gatewayWebhookDecider, receiveWebhook, type GatewayNotice } from '../../domain/payments/gatewayWebhook.js';
import { DomainError } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import { handle, step, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import { isTransient } from '../eventSourcing/transientFailure.js';
import { captureReportedPayment } from './capturePayment.js';
import { signatureMatches, webhookSignature } from './gatewaySignature.js';
import { paymentForOrder } from './paymentLookup.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { paymentStream } from './paymentStream.js';
import { BadSignature } from './verifyCheckout.js';

export const webhookStream = (webhookEventId: string): string => `gateway-webhook-${webhookEventId}`;

interface RazorpayPaymentEntity { id?: unknown; order_id?: unknown; amount?: unknown; error_description?: unknown }
interface RazorpayWebhookBody {
  event?: unknown;
  payload?: { payment?: { entity?: RazorpayPaymentEntity }; refund?: { entity?: { id?: unknown; amount?: unknown; payment_id?: unknown } } };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);
const paise = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

class MalformedWebhook extends DomainError {
  constructor(detail: string) {
    super('invalid', 'malformed_webhook', `The webhook body is not a usable Razorpay event: ${detail}.`);
  }
}

/** Reads the few fields we act on; anything else in the body is the gateway's business. */
function noticeFrom(body: RazorpayWebhookBody): GatewayNotice | null {
  const payment = body.payload?.payment?.entity;
  switch (body.event) {
    case 'payment.captured':
    case 'payment.failed': {
      const orderId = text(payment?.order_id);
      const gatewayPaymentId = text(payment?.id);
      const amountPaise = paise(payment?.amount);
      if (!orderId || !gatewayPaymentId || amountPaise === null) throw new MalformedWebhook('payment entity without id, order id or amount');
      return body.event === 'payment.captured'
        ? { kind: 'payment.captured', orderId, gatewayPaymentId, amountPaise }
        : { kind: 'payment.failed', orderId, gatewayPaymentId, amountPaise, reason: text(payment?.error_description) ?? 'payment failed' };
    }
    case 'refund.processed': {
      const refund = body.payload?.refund?.entity;
      const gatewayRefundId = text(refund?.id);
      const gatewayPaymentId = text(refund?.payment_id);
      const amountPaise = paise(refund?.amount);
      if (!gatewayRefundId || !gatewayPaymentId || amountPaise === null) throw new MalformedWebhook('refund entity without id, payment id or amount');
      return { kind: 'refund.processed', gatewayRefundId, gatewayPaymentId, amountPaise };
    }
    default:
      return null;
  }
}

/**
 * Accepting a webhook is quick: check the signature over the exact raw bytes, then record it in its
 * own inbox stream keyed by `x-razorpay-event-id` (a redelivery finds it there and changes nothing).
 * The work is done after the answer, by the inbox reactor below.
 */
export function acceptWebhook(deps: PaymentsDeps) {
  return async (rawBody: Buffer | undefined, signature: string | undefined, eventId: string | undefined, ctx: CommandContext) => {
    if (!rawBody || !signature || !signatureMatches(webhookSignature(rawBody, deps.secrets.webhookSecret), signature)) throw new BadSignature();
    let body: RazorpayWebhookBody;
    try {
      body = JSON.parse(rawBody.toString('utf8')) as RazorpayWebhookBody;
    } catch {
      throw new MalformedWebhook('not JSON');
    }
    const notice = noticeFrom(body);
    if (!notice) return { accepted: false };
    const webhookEventId = eventId && /^[A-Za-z0-9_\-.:]{1,100}$/.test(eventId) ? eventId : createHash('sha256').update(rawBody).digest('hex');
    const received = await handle(deps.handler, webhookStream(webhookEventId), gatewayWebhookDecider,
      (s) => receiveWebhook(s, { webhookEventId, notice }), { ...ctx, idempotencyKey: undefined });
    return { accepted: received.appended.length > 0 };
  };
}

/** Acts on each recorded webhook once; a mismatching report is refused and logged as suspicious. */
export function webhookInboxReactor(deps: PaymentsDeps): Reactor {
  const capture = captureReportedPayment(deps);
  const lookup = paymentForOrder(deps);
  return {
    name: 'payments-webhook-inbox',
    handles: ['GatewayWebhookReceived'],
    async react(event) {
      const { notice, webhookEventId } = event.data as { notice: GatewayNotice; webhookEventId: string };
      const ctx: CommandContext = { actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId };
      if (notice.kind === 'refund.processed') {
        deps.log.info({ gatewayRefundId: notice.gatewayRefundId, gatewayPaymentId: notice.gatewayPaymentId }, 'gateway refund processed');
        return;
      }
      const payment = await lookup(notice.orderId).catch((error: unknown) => {
        if (error instanceof DomainError && error.kind === 'not_found') return null;
        throw error;
      });
      if (!payment) {
        deps.log.warn({ suspicious: true, webhookEventId, orderId: notice.orderId }, 'webhook for an unknown order ignored');
        return;
      }
      if (notice.kind === 'payment.failed') {
        await handle(deps.handler, paymentStream(payment.paymentId), paymentDecider,
          (p) => failPayment(p, { gatewayPaymentId: notice.gatewayPaymentId, reason: notice.reason }), step(ctx, 'fail'));
        return;
      }
      try {
        await capture({
          paymentId: payment.paymentId, via: 'webhook', orderId: notice.orderId, gatewayPaymentId: notice.gatewayPaymentId,
          gatewayPaise: notice.amountPaise,
        }, ctx);
      } catch (error) {
        if (error instanceof PaymentMismatch) {
          deps.log.warn({ suspicious: true, webhookEventId, orderId: notice.orderId, gatewayPaymentId: notice.gatewayPaymentId, reason: error.message },
            'suspicious webhook refused');
          return;
        }
        if (isTransient(error)) throw error;
        deps.log.error({ webhookEventId, paymentId: payment.paymentId, reason: (error as Error).message }, 'webhook could not be applied; needs attention');
      }
    },
  };
}
