import { Conflict, DomainError, Invalid, NotFound } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';

/**
 * One payment (`payment-{id}`): for an appointment (razorpay, wallet or both) or a wallet top-up.
 * A captured payment never goes back to failed, captures are idempotent, and refunds never exceed
 * what was captured, part by part. A second gateway payment on the same order buys nothing and is
 * given back in full.
 */
export type PaymentMethod = 'razorpay' | 'wallet' | 'hybrid';
export type PaymentPurpose = 'appointment' | 'topup';
export type CaptureChannel = 'verify' | 'webhook' | 'wallet';
export type RefundDestination = 'wallet' | 'source';
/**
 * `late_capture`: the money came after the hold lapsed (or the booking was otherwise closed);
 * `duplicate_payment`: another payment had already bought the appointment.
 */
export type RefundReason = 'late_capture' | 'duplicate_payment' | 'cancellation';
/** The reasons for giving a capture back whole because it bought nothing. */
export type UnusedCaptureReason = Exclude<RefundReason, 'cancellation'>;

export type PaymentEvent =
  | { type: 'PaymentInitiated'; data: {
    paymentId: string; purpose: PaymentPurpose; userId: string; appointmentId: string | null; method: PaymentMethod;
    amountPaise: number; walletPaise: number; gatewayPaise: number;
  } }
  | { type: 'GatewayOrderCreated'; data: { paymentId: string; orderId: string; amountPaise: number; currency: 'INR' } }
  | { type: 'PaymentCaptured'; data: {
    paymentId: string; orderId: string | null; gatewayPaymentId: string | null; amountPaise: number;
    gatewayPaise: number; walletPaise: number; via: CaptureChannel;
  } }
  | { type: 'PaymentFailed'; data: { paymentId: string; gatewayPaymentId: string | null; reason: string } }
  | { type: 'RefundIssued'; data: {
    paymentId: string; refundId: string; reason: RefundReason; destination: RefundDestination;
    amountPaise: number; toSourcePaise: number; toWalletPaise: number;
  } }
  /** Another gateway payment on an order this payment already captured: recorded and refunded whole, to its source. */
  | { type: 'ExtraCaptureRefunded'; data: {
    paymentId: string; refundId: string; orderId: string; gatewayPaymentId: string; amountPaise: number; via: CaptureChannel;
  } }
  /** The gateway refused a refund's gateway part for good (not merely down): it waits for an admin's retry. */
  | { type: 'RefundFailed'; data: { paymentId: string; refundId: string; reason: string; at: string } }
  /** An admin asked for another attempt at a failed refund; it goes to the gateway under the same idempotency key. */
  | { type: 'RefundRetryRequested'; data: { paymentId: string; refundId: string; at: string } }
  /** A refund's money moved: the wallet part credited, the gateway part accepted (`gatewayRefundId`, null without one). */
  | { type: 'RefundCompleted'; data: { paymentId: string; refundId: string; gatewayRefundId: string | null; at: string } };

export const paymentEventTypes = [
  'PaymentInitiated', 'GatewayOrderCreated', 'PaymentCaptured', 'PaymentFailed', 'RefundIssued', 'ExtraCaptureRefunded',
  'RefundFailed', 'RefundRetryRequested', 'RefundCompleted',
] as const;

export interface Refund { reason: RefundReason; toSourcePaise: number; toWalletPaise: number }

/** How far a refund's money has got back: issued (`pending`), refused by the gateway, retried, or done. */
export type RefundStatus = 'pending' | 'failed' | 'retrying' | 'completed';

export interface PaymentRecord {
  status: 'initiated' | 'captured' | 'failed';
  paymentId: string;
  purpose: PaymentPurpose;
  userId: string;
  appointmentId: string | null;
  method: PaymentMethod;
  amountPaise: number;
  walletPaise: number;
  gatewayPaise: number;
  orderId: string | null;
  gatewayPaymentId: string | null;
  /** What was actually taken, part by part (a hybrid's wallet part may have lapsed). */
  captured: { gatewayPaise: number; walletPaise: number } | null;
  refunds: Record<string, Refund>;
  /** Further gateway payments on the order (by gateway payment id → paise), each refunded whole; never part of `captured`. */
  extraCaptures: Record<string, number>;
  /** Every refund's progress by refund id, those of further gateway payments included. */
  refundStatus: Record<string, RefundStatus>;
}

export type Payment = { status: 'none' } | PaymentRecord;

export const initialPayment: Payment = { status: 'none' };

export class PaymentMismatch extends DomainError {
  constructor(paymentId: string, detail: string) {
    super('invalid', 'payment_mismatch', `The gateway's report does not match payment ${paymentId}: ${detail}.`);
  }
}

export class PaymentNotPayable extends Conflict {
  constructor(paymentId: string, status: string) {
    super('payment_not_payable', `Payment ${paymentId} is ${status}.`);
  }
}

export function evolve(p: Payment, event: PaymentEvent): Payment {
  if (event.type === 'PaymentInitiated') {
    return {
      status: 'initiated', ...event.data, orderId: null, gatewayPaymentId: null, captured: null, refunds: {}, extraCaptures: {}, refundStatus: {},
    };
  }
  if (p.status === 'none') return p;
  switch (event.type) {
    case 'GatewayOrderCreated':
      return { ...p, orderId: event.data.orderId };
    case 'PaymentCaptured':
      return {
        ...p, status: 'captured', gatewayPaymentId: event.data.gatewayPaymentId,
        captured: { gatewayPaise: event.data.gatewayPaise, walletPaise: event.data.walletPaise },
      };
    case 'PaymentFailed':
      return { ...p, status: 'failed', gatewayPaymentId: event.data.gatewayPaymentId ?? p.gatewayPaymentId };
    case 'RefundIssued': {
      const { refundId, reason, toSourcePaise, toWalletPaise } = event.data;
      return {
        ...p, refunds: { ...p.refunds, [refundId]: { reason, toSourcePaise, toWalletPaise } }, refundStatus: { ...p.refundStatus, [refundId]: 'pending' },
      };
    }
    case 'ExtraCaptureRefunded':
      return {
        ...p, extraCaptures: { ...p.extraCaptures, [event.data.gatewayPaymentId]: event.data.amountPaise },
        refundStatus: { ...p.refundStatus, [event.data.refundId]: 'pending' },
      };
    case 'RefundFailed':
      return { ...p, refundStatus: { ...p.refundStatus, [event.data.refundId]: 'failed' } };
    case 'RefundRetryRequested':
      return { ...p, refundStatus: { ...p.refundStatus, [event.data.refundId]: 'retrying' } };
    case 'RefundCompleted':
      return { ...p, refundStatus: { ...p.refundStatus, [event.data.refundId]: 'completed' } };
  }
}

export const paymentDecider: Decider<Payment, PaymentEvent> = { initialState: initialPayment, evolve };

export interface InitiatePayment {
  paymentId: string; purpose: PaymentPurpose; userId: string; appointmentId: string | null;
  method: PaymentMethod; amountPaise: number; walletPaise: number;
}

export function initiatePayment(p: Payment, cmd: InitiatePayment): PaymentEvent[] {
  const { amountPaise, walletPaise, method } = cmd;
  if (!Number.isSafeInteger(amountPaise) || amountPaise <= 0) throw new Invalid('invalid_amount', 'The amount must be a positive whole number of paise.');
  if (!Number.isSafeInteger(walletPaise)) throw new Invalid('invalid_wallet_amount', 'The wallet part must be a whole number of paise.');
  if (method === 'wallet' && walletPaise !== amountPaise) throw new Invalid('invalid_wallet_amount', 'A wallet payment takes the whole amount from the wallet.');
  if (method === 'razorpay' && walletPaise !== 0) throw new Invalid('invalid_wallet_amount', 'A gateway payment takes nothing from the wallet.');
  if (method === 'hybrid' && (walletPaise < 1 || walletPaise > amountPaise - 1)) {
    throw new Invalid('invalid_wallet_amount', `The wallet part must be between 1 and ${amountPaise - 1} paise.`);
  }
  if (cmd.purpose === 'topup' && method !== 'razorpay') throw new Invalid('invalid_method', 'A top-up is paid through the gateway.');
  if (p.status !== 'none') {
    // A retried initiation (same id, same terms) changes nothing; different terms under one id do not fit.
    const same = p.appointmentId === cmd.appointmentId && p.method === method && p.amountPaise === amountPaise && p.walletPaise === walletPaise;
    if (same) return [];
    throw new Conflict('payment_exists', `Payment ${cmd.paymentId} already exists with other terms.`);
  }
  return [{ type: 'PaymentInitiated', data: { ...cmd, gatewayPaise: amountPaise - walletPaise } }];
}

export function recordGatewayOrder(p: Payment, cmd: { orderId: string; amountPaise: number }): PaymentEvent[] {
  if (p.status === 'none') throw new NotFound('payment');
  if (p.orderId === cmd.orderId) return [];
  if (p.orderId !== null) throw new Conflict('order_exists', `Payment ${p.paymentId} already has gateway order ${p.orderId}.`);
  if (p.gatewayPaise === 0) throw new Invalid('no_gateway_part', 'This payment has nothing to collect through the gateway.');
  if (cmd.amountPaise !== p.gatewayPaise) throw new PaymentMismatch(p.paymentId, 'order amount differs from the gateway part');
  if (p.status !== 'initiated') throw new PaymentNotPayable(p.paymentId, p.status);
  return [{ type: 'GatewayOrderCreated', data: { paymentId: p.paymentId, orderId: cmd.orderId, amountPaise: cmd.amountPaise, currency: 'INR' } }];
}

export interface CapturePayment {
  via: CaptureChannel;
  /** Null for a wallet-only payment. */
  orderId: string | null;
  gatewayPaymentId: string | null;
  /** What the gateway reports as collected (0 for a wallet-only payment). */
  gatewayPaise: number;
  /** Whether the wallet part (if any) was captured; a lapsed reservation leaves only the gateway part. */
  walletCaptured: boolean;
}

/** Checks a capture report against the recorded order; throws on a mismatch, never records it. */
export function checkCapture(p: Payment, cmd: CapturePayment): PaymentRecord {
  if (p.status === 'none') throw new NotFound('payment');
  if (p.gatewayPaise > 0) {
    if (cmd.orderId === null || cmd.orderId !== p.orderId) throw new PaymentMismatch(p.paymentId, 'order id');
    if (cmd.gatewayPaise !== p.gatewayPaise) throw new PaymentMismatch(p.paymentId, `amount ${cmd.gatewayPaise} instead of ${p.gatewayPaise}`);
  } else if (cmd.orderId !== null || cmd.gatewayPaise !== 0) {
    throw new PaymentMismatch(p.paymentId, 'a wallet payment has no gateway order');
  }
  return p;
}

export function capturePayment(p: Payment, cmd: CapturePayment): PaymentEvent[] {
  const record = checkCapture(p, cmd);
  if (record.status === 'captured') return refundExtraCapture(record, cmd);
  // A failed attempt may be followed by a successful one on the same order: failed → captured is allowed.
  const walletPaise = cmd.walletCaptured ? record.walletPaise : 0;
  return [{
    type: 'PaymentCaptured',
    data: {
      paymentId: record.paymentId, orderId: cmd.orderId, gatewayPaymentId: cmd.gatewayPaymentId,
      amountPaise: cmd.gatewayPaise + walletPaise, gatewayPaise: cmd.gatewayPaise, walletPaise, via: cmd.via,
    },
  }];
}

/**
 * A report about a payment already captured. The same gateway payment again (verify after webhook, a
 * redelivery) changes nothing. Another gateway payment on the same order (a checkout completed twice,
 * a late UPI authorisation) cannot buy anything more, whether the first one is still kept, was
 * refunded or its booking cancelled: it is refunded whole at once, once per gateway payment.
 */
function refundExtraCapture(p: PaymentRecord, cmd: CapturePayment): PaymentEvent[] {
  const { gatewayPaymentId, orderId } = cmd;
  if (gatewayPaymentId === null || orderId === null) return [];
  if (gatewayPaymentId === p.gatewayPaymentId || gatewayPaymentId in p.extraCaptures) return [];
  return [{
    type: 'ExtraCaptureRefunded',
    data: { paymentId: p.paymentId, refundId: extraRefundId(gatewayPaymentId), orderId, gatewayPaymentId, amountPaise: cmd.gatewayPaise, via: cmd.via },
  }];
}

export function failPayment(p: Payment, cmd: { gatewayPaymentId: string | null; reason: string }): PaymentEvent[] {
  if (p.status === 'none') throw new NotFound('payment');
  // Webhooks arrive out of order: a failure report after a capture is stale and must not undo it.
  if (p.status !== 'initiated') return [];
  return [{ type: 'PaymentFailed', data: { paymentId: p.paymentId, gatewayPaymentId: cmd.gatewayPaymentId, reason: cmd.reason } }];
}

export function refundedPaise(p: PaymentRecord): { source: number; wallet: number } {
  return Object.values(p.refunds).reduce(
    (sum, r) => ({ source: sum.source + r.toSourcePaise, wallet: sum.wallet + r.toWalletPaise }),
    { source: 0, wallet: 0 },
  );
}

export interface IssueRefund { refundId: string; amountPaise: number; destination: RefundDestination; reason: RefundReason }

/**
 * Splits a refund over the parts that were taken: to the source, the gateway part goes back to the
 * card and the wallet part to the wallet (its own source); to the wallet, everything goes to the wallet.
 */
export function issueRefund(p: Payment, cmd: IssueRefund): PaymentEvent[] {
  if (p.status === 'none') throw new NotFound('payment');
  if (p.refunds[cmd.refundId]) return [];
  if (p.status !== 'captured' || p.captured === null) throw new Conflict('payment_not_captured', `Payment ${p.paymentId} has not been captured.`);
  if (p.purpose !== 'appointment') throw new Invalid('not_refundable', 'Only appointment payments are refunded.');
  if (!Number.isSafeInteger(cmd.amountPaise) || cmd.amountPaise <= 0) throw new Invalid('invalid_amount', 'A refund must be a positive whole number of paise.');
  const done = refundedPaise(p);
  const leftSource = p.captured.gatewayPaise - done.source;
  const leftWallet = p.captured.walletPaise - done.wallet;
  if (cmd.amountPaise > leftSource + leftWallet) {
    throw new Conflict('refund_exceeds_payment', `Only ${leftSource + leftWallet} paise of payment ${p.paymentId} remain refundable.`);
  }
  const toSourcePaise = cmd.destination === 'source' ? Math.min(cmd.amountPaise, leftSource) : 0;
  return [{
    type: 'RefundIssued',
    data: {
      paymentId: p.paymentId, refundId: cmd.refundId, reason: cmd.reason, destination: cmd.destination,
      amountPaise: cmd.amountPaise, toSourcePaise, toWalletPaise: cmd.amountPaise - toSourcePaise,
    },
  }];
}

/** Why the payment was given back whole because it bought nothing, or null if it was not. */
export function unusedCaptureRefund(p: PaymentRecord): UnusedCaptureReason | null {
  const whole = Object.values(p.refunds).find((r): r is Refund & { reason: UnusedCaptureReason } => r.reason !== 'cancellation');
  return whole?.reason ?? null;
}

/** A capture that can no longer buy the booking is given back in full, each part to where it came from. */
export function refundUnusedCapture(p: Payment, refundId: string, reason: UnusedCaptureReason): PaymentEvent[] {
  if (p.status !== 'captured' || p.captured === null) throw new Conflict('payment_not_captured', 'Only a captured payment can be refunded.');
  if (unusedCaptureRefund(p) !== null) return [];
  const done = refundedPaise(p);
  const amountPaise = p.captured.gatewayPaise + p.captured.walletPaise - done.source - done.wallet;
  if (amountPaise === 0) return [];
  return issueRefund(p, { refundId, amountPaise, destination: 'source', reason });
}

const extraRefundId = (gatewayPaymentId: string): string => `extra:${gatewayPaymentId}`;

export class RefundNotFailed extends Conflict {
  constructor(paymentId: string, refundId: string, status: RefundStatus) {
    super('refund_not_failed', `Refund ${refundId} of payment ${paymentId} is ${status}; only a failed refund can be retried.`);
  }
}

/** What carrying out a refund moves: the gateway part back through a gateway payment, the wallet part as a credit. */
export interface RefundToCarryOut {
  refundId: string;
  gatewayPaymentId: string | null;
  toSourcePaise: number;
  toWalletPaise: number;
  /** `extra_capture`: a further gateway payment on a paid order, given back whole. */
  reason: RefundReason | 'extra_capture';
}

export function refundToCarryOut(p: PaymentRecord, refundId: string): RefundToCarryOut | null {
  const issued = p.refunds[refundId];
  if (issued) {
    return { refundId, gatewayPaymentId: p.gatewayPaymentId, toSourcePaise: issued.toSourcePaise, toWalletPaise: issued.toWalletPaise, reason: issued.reason };
  }
  const extra = Object.entries(p.extraCaptures).find(([gatewayPaymentId]) => extraRefundId(gatewayPaymentId) === refundId);
  return extra ? { refundId, gatewayPaymentId: extra[0], toSourcePaise: extra[1], toWalletPaise: 0, reason: 'extra_capture' } : null;
}

function refundStatusOf(p: Payment, refundId: string): { record: PaymentRecord; status: RefundStatus } {
  if (p.status === 'none') throw new NotFound('payment');
  const status = p.refundStatus[refundId];
  if (!status) throw new NotFound('refund', refundId);
  return { record: p, status };
}

/** The money of a refund moved; recorded once, also when a retry finds it done (the gateway keeps the idempotency key). */
export function completeRefund(p: Payment, cmd: { refundId: string; gatewayRefundId: string | null; at: string }): PaymentEvent[] {
  const { record, status } = refundStatusOf(p, cmd.refundId);
  if (status === 'completed') return [];
  return [{ type: 'RefundCompleted', data: { paymentId: record.paymentId, ...cmd } }];
}

/** The gateway refused the refund for good. A refusal after the money moved is stale; a repeated one changes nothing. */
export function failRefund(p: Payment, cmd: { refundId: string; reason: string; at: string }): PaymentEvent[] {
  const { record, status } = refundStatusOf(p, cmd.refundId);
  if (status === 'completed' || status === 'failed') return [];
  return [{ type: 'RefundFailed', data: { paymentId: record.paymentId, ...cmd } }];
}

/** An admin's retry of a failed refund; asking again while the retry is under way changes nothing. */
export function requestRefundRetry(p: Payment, cmd: { refundId: string; at: string }): PaymentEvent[] {
  const { record, status } = refundStatusOf(p, cmd.refundId);
  if (status === 'retrying') return [];
  if (status !== 'failed') throw new RefundNotFailed(record.paymentId, cmd.refundId, status);
  return [{ type: 'RefundRetryRequested', data: { paymentId: record.paymentId, ...cmd } }];
}
