import { DomainError, Invalid, NotFound } from '../../domain/shared/errors.js';
import type { Clock } from '../../application/ports/clock.js';
import type { Ids } from '../../application/ports/ids.js';
import type { GatewayOrder, GatewayPayment, PaymentGateway } from '../../application/ports/paymentGateway.js';
import { checkoutSignature, webhookSignature } from '../../application/payments/gatewaySignature.js';

/**
 * Where the simulator posts its webhooks. Over HTTP to the service's public URL when one is
 * configured, or straight into the same handler function the webhook route calls (tests, and a
 * service that does not know its own address): either way the body is signed and checked the same.
 */
export interface WebhookSink {
  /** Answers the HTTP status the service gave. */
  deliver(rawBody: string, headers: Record<string, string>): Promise<number>;
}

export function httpWebhookSink(webhookUrl: string, timeoutMs = 5000): WebhookSink {
  return {
    async deliver(rawBody, headers) {
      const response = await fetch(webhookUrl, { method: 'POST', body: rawBody, headers, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.status;
    },
  };
}

export type CheckoutOutcome = 'success' | 'failure';

/** What Razorpay's checkout hands the browser: the signed triple on success, an error object on failure. */
export type CheckoutResult =
  | { razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string }
  | { error: { code: 'BAD_REQUEST_ERROR'; description: string; reason: 'payment_failed'; metadata: { order_id: string; payment_id: string } } };

export type WebhookKind = 'payment.captured' | 'payment.failed' | 'refund.processed';

interface SimOrder { id: string; amount: number; currency: 'INR'; receipt: string; notes: Record<string, string>; status: 'created' | 'attempted' | 'paid'; createdAt: number }
interface SimPayment { id: string; orderId: string; amount: number; status: 'captured' | 'failed'; notes: Record<string, string>; refunded: number }
interface SimRefund { id: string; paymentId: string; amount: number }

export interface SimulatorOptions {
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  ids: Ids;
  clock: Clock;
  /** Delivery attempts per webhook (Razorpay retries too); the pause doubles each time. */
  attempts?: number;
  retryBaseMs?: number;
  onDeliveryFailed?: (event: string, error: unknown) => void;
}

/** Razorpay-shaped ids: a prefix and 14 alphanumerics. */
function gatewayId(ids: Ids, prefix: string): string {
  return `${prefix}_${ids.next().replace(/[^A-Za-z0-9]/g, '').slice(0, 14)}`;
}

/**
 * A local stand-in for Razorpay that keeps its own orders, payments and refunds in memory and signs
 * exactly as Razorpay does. Only for development and tests: the configuration refuses it in production.
 */
export class RazorpaySimulator implements PaymentGateway {
  readonly keyId: string;
  private readonly orders = new Map<string, SimOrder>();
  private readonly payments = new Map<string, SimPayment>();
  private readonly refunds = new Map<string, SimRefund>();
  private readonly refundsByKey = new Map<string, SimRefund>();
  private readonly inFlight = new Set<Promise<void>>();
  private sink: WebhookSink | null = null;

  constructor(private readonly options: SimulatorOptions) {
    this.keyId = options.keyId;
  }

  connect(sink: WebhookSink): void {
    this.sink = sink;
  }

  async createOrder(order: { amountPaise: number; currency: 'INR'; receipt: string; notes: Record<string, string> }): Promise<GatewayOrder> {
    // Razorpay itself wants at least 100 paise; the simulator takes any positive amount, so a hybrid may
    // leave as little as one paisa to the gateway as the API allows.
    if (!Number.isSafeInteger(order.amountPaise) || order.amountPaise < 1) throw new Invalid('gateway_bad_request', 'An order needs a positive amount.');
    const id = gatewayId(this.options.ids, 'order');
    this.orders.set(id, {
      id, amount: order.amountPaise, currency: order.currency, receipt: order.receipt, notes: { ...order.notes },
      status: 'created', createdAt: this.unixNow(),
    });
    return { orderId: id, amountPaise: order.amountPaise, currency: 'INR' };
  }

  async fetchPayment(gatewayPaymentId: string): Promise<GatewayPayment> {
    const p = this.payments.get(gatewayPaymentId);
    if (!p) throw new NotFound('gateway payment', gatewayPaymentId);
    return { gatewayPaymentId: p.id, orderId: p.orderId, amountPaise: p.amount, status: p.status === 'captured' && p.refunded >= p.amount ? 'refunded' : p.status };
  }

  async refund(gatewayPaymentId: string, amountPaise: number, idempotencyKey: string): Promise<{ gatewayRefundId: string }> {
    const earlier = this.refundsByKey.get(idempotencyKey);
    if (earlier) return { gatewayRefundId: earlier.id };
    const p = this.payments.get(gatewayPaymentId);
    if (!p || p.status !== 'captured') throw new Invalid('gateway_bad_request', 'The payment has not been captured.');
    if (amountPaise <= 0 || p.refunded + amountPaise > p.amount) throw new Invalid('gateway_bad_request', 'The refund amount exceeds the amount captured.');
    const refund: SimRefund = { id: gatewayId(this.options.ids, 'rfnd'), paymentId: p.id, amount: amountPaise };
    p.refunded += amountPaise;
    this.refunds.set(refund.id, refund);
    this.refundsByKey.set(idempotencyKey, refund);
    this.send(this.webhook('refund.processed', refund.id));
    return { gatewayRefundId: refund.id };
  }

  /**
   * The browser's checkout step: pays (or fails to pay) the order and, by default, sends the webhook.
   * Like Razorpay's checkout it refuses an order already paid. `evenIfPaid` (code only, never the
   * route) stands for what a real gateway can still do — take a second payment on a paid order, e.g.
   * a UPI authorisation completing late — so tests can show the service gives it back.
   */
  checkout(orderId: string, outcome: CheckoutOutcome, options: { deliverWebhook?: boolean; evenIfPaid?: boolean } = {}): CheckoutResult {
    const order = this.orders.get(orderId);
    if (!order) throw new NotFound('Order', orderId);
    if (order.status === 'paid' && !options.evenIfPaid) throw new GatewayOrderPaid(orderId);
    const payment: SimPayment = {
      id: gatewayId(this.options.ids, 'pay'), orderId, amount: order.amount,
      status: outcome === 'success' ? 'captured' : 'failed', notes: order.notes, refunded: 0,
    };
    this.payments.set(payment.id, payment);
    if (order.status !== 'paid') order.status = outcome === 'success' ? 'paid' : 'attempted';
    if (options.deliverWebhook !== false) this.send(this.webhook(outcome === 'success' ? 'payment.captured' : 'payment.failed', payment.id));
    if (outcome === 'failure') {
      return { error: { code: 'BAD_REQUEST_ERROR', description: 'Payment failed', reason: 'payment_failed', metadata: { order_id: orderId, payment_id: payment.id } } };
    }
    return {
      razorpay_order_id: orderId,
      razorpay_payment_id: payment.id,
      razorpay_signature: checkoutSignature(orderId, payment.id, this.options.keySecret),
    };
  }

  /** The signed webhook Razorpay would send about a payment (or, for refunds, a refund). */
  webhook(kind: WebhookKind, entityId: string, eventId = gatewayId(this.options.ids, 'evt')): { rawBody: string; headers: Record<string, string> } {
    const paymentEntity = (p: SimPayment) => ({
      id: p.id, entity: 'payment', amount: p.amount, currency: 'INR', status: p.status, order_id: p.orderId,
      method: 'card', captured: p.status === 'captured', notes: p.notes, amount_refunded: p.refunded,
      error_code: p.status === 'failed' ? 'BAD_REQUEST_ERROR' : null,
      error_description: p.status === 'failed' ? 'Payment failed' : null,
      created_at: this.unixNow(),
    });
    let payload: Record<string, unknown>;
    if (kind === 'refund.processed') {
      const r = this.refunds.get(entityId);
      if (!r) throw new NotFound('refund', entityId);
      const p = this.payments.get(r.paymentId) as SimPayment;
      payload = {
        refund: { entity: { id: r.id, entity: 'refund', amount: r.amount, currency: 'INR', payment_id: r.paymentId, status: 'processed' } },
        payment: { entity: paymentEntity(p) },
      };
    } else {
      const p = this.payments.get(entityId);
      if (!p) throw new NotFound('gateway payment', entityId);
      payload = { payment: { entity: { ...paymentEntity(p), status: kind === 'payment.captured' ? 'captured' : 'failed' } } };
    }
    const rawBody = JSON.stringify({
      entity: 'event', account_id: 'acc_simulator', event: kind, contains: Object.keys(payload), payload, created_at: this.unixNow(),
    });
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        'x-razorpay-signature': webhookSignature(rawBody, this.options.webhookSecret),
        'x-razorpay-event-id': eventId,
      },
    };
  }

  /** What the simulated gateway has taken and given back overall (for reconciliation checks). */
  totals(): { capturedPaise: number; refundedPaise: number } {
    const captured = [...this.payments.values()].filter((p) => p.status === 'captured');
    return {
      capturedPaise: captured.reduce((sum, p) => sum + p.amount, 0),
      refundedPaise: captured.reduce((sum, p) => sum + p.refunded, 0),
    };
  }

  /** Resolves once every webhook sent so far was delivered or given up on (tests wait on it). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private send(message: { rawBody: string; headers: Record<string, string> }): void {
    const delivery = this.deliverWithRetries(message).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private async deliverWithRetries(message: { rawBody: string; headers: Record<string, string> }): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    const base = this.options.retryBaseMs ?? 200;
    let lastError: unknown = null;
    // Like Razorpay, deliver after the checkout answer, never inside it.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        if (!this.sink) throw new Error('no webhook sink connected');
        const status = await this.sink.deliver(message.rawBody, message.headers);
        if (status >= 200 && status < 300) return;
        lastError = new Error(`webhook answered ${status}`);
      } catch (error) {
        lastError = error;
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, base * 2 ** (attempt - 1)).unref());
    }
    this.options.onDeliveryFailed?.(message.headers['x-razorpay-event-id'], lastError);
  }

  private unixNow(): number {
    return Math.floor(this.options.clock.now().getTime() / 1000);
  }
}

export class GatewayOrderPaid extends DomainError {
  constructor(orderId: string) {
    super('conflict', 'order_already_paid', `Order ${orderId} has already been paid.`);
  }
}
