import Razorpay from 'razorpay';
import type { AxiosInstance } from 'axios';
import { DomainError } from '../../domain/shared/errors.js';
import type { GatewayOrder, GatewayPayment, GatewayPaymentStatus, PaymentGateway } from '../../application/ports/paymentGateway.js';
import { isTransientHttpStatus } from '../http/transientHttpStatus.js';

export interface RazorpayGatewayOptions {
  keyId: string;
  keySecret: string;
  /** Where the API lives; tests point it at a stub on 127.0.0.1. */
  hostUrl?: string;
  timeoutMs?: number;
}

class GatewayUnavailable extends DomainError {
  constructor(what: string) {
    super('unavailable', 'gateway_unavailable', `The payment gateway could not ${what}; please retry.`);
  }
}

/** A refusal that will not change on retry (Razorpay's 400 BAD_REQUEST_ERROR: e.g. a refund beyond what is left); as the simulator's. */
class GatewayRefused extends DomainError {
  constructor(what: string, reason: string) {
    super('invalid', 'gateway_bad_request', `The payment gateway refused to ${what}: ${reason.slice(0, 300)}`);
  }
}

interface RazorpayError { code?: unknown; description?: unknown }

/**
 * The SDK rejects with `{ statusCode, error }` once Razorpay answered, and with whatever broke when it
 * did not (a timeout, a refused connection); the refund call, made with the SDK's axios, with an axios
 * error. No answer, a 5xx, 429 and the like may pass; any other 4xx refuses the request for good.
 */
function gatewayFailure(what: string) {
  return (error: unknown): never => {
    const sdk = error as { statusCode?: unknown; error?: RazorpayError };
    const viaAxios = error as { response?: { status?: unknown; data?: { error?: RazorpayError } } };
    const answered = typeof sdk.statusCode === 'number'
      ? { status: sdk.statusCode, body: sdk.error }
      : typeof viaAxios.response?.status === 'number' ? { status: viaAxios.response.status, body: viaAxios.response.data?.error } : null;
    if (!answered || isTransientHttpStatus(answered.status)) throw new GatewayUnavailable(what);
    const reason = [answered.body?.description, answered.body?.code].find((v): v is string => typeof v === 'string');
    throw new GatewayRefused(what, reason ?? `HTTP ${answered.status}`);
  };
}

interface RazorpayPaymentEntity { id: string; order_id: string; amount: number | string; status: GatewayPaymentStatus }

/** The real gateway through the official `razorpay` SDK. */
export function razorpayGateway(options: RazorpayGatewayOptions): PaymentGateway {
  const client = new Razorpay({ key_id: options.keyId, key_secret: options.keySecret });
  // The SDK fixes its host in the constructor; its axios instance (auth, user agent) is reused as is.
  const http = (client.api as unknown as { rq: AxiosInstance }).rq;
  if (options.hostUrl) http.defaults.baseURL = options.hostUrl;
  http.defaults.timeout = options.timeoutMs ?? 10_000;

  return {
    keyId: options.keyId,

    async createOrder(order): Promise<GatewayOrder> {
      const created = await client.orders.create({
        amount: order.amountPaise, currency: order.currency, receipt: order.receipt, notes: order.notes,
      }).catch(gatewayFailure('create the order'));
      return { orderId: created.id, amountPaise: Number(created.amount), currency: 'INR' };
    },

    async fetchPayment(gatewayPaymentId): Promise<GatewayPayment> {
      const p = await client.payments.fetch(gatewayPaymentId)
        .catch(gatewayFailure('look up the payment')) as unknown as RazorpayPaymentEntity;
      return { gatewayPaymentId: p.id, orderId: p.order_id, amountPaise: Number(p.amount), status: p.status };
    },

    async refund(gatewayPaymentId, amountPaise, idempotencyKey) {
      // The SDK's refund call cannot carry Razorpay's idempotency header, so the request goes through
      // the SDK's own HTTP client with it added: a retried refund with the same key never pays twice.
      const response = await http.post<{ id: string }>(
        `/v1/payments/${encodeURIComponent(gatewayPaymentId)}/refund`,
        { amount: amountPaise, speed: 'normal', receipt: idempotencyKey.slice(0, 40) },
        { headers: { 'X-Refund-Idempotency': idempotencyKey } },
      ).catch(gatewayFailure('issue the refund'));
      return { gatewayRefundId: response.data.id };
    },
  };
}
