import { paymentEventTypes, type PaymentEvent, type RefundStatus, type RefundToCarryOut } from '../../domain/payments/payment.js';
import type { Projection, ReadView } from '../eventSourcing/projection.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { Document, Write } from '../ports/readStore.js';

export const PAYMENTS = 'payments';
export const PAYMENT_REFUNDS = 'payment_refunds';

export type PaymentStatus = 'created' | 'captured' | 'failed' | 'refunded' | 'partially_refunded';

export interface PaymentDoc extends Document {
  paymentId: string;
  purpose: 'appointment' | 'topup';
  userId: string;
  appointmentId: string | null;
  method: 'razorpay' | 'wallet' | 'hybrid';
  amountPaise: number;
  walletPaise: number;
  gatewayPaise: number;
  orderId: string | null;
  gatewayPaymentId: string | null;
  status: PaymentStatus;
  capturedPaise: number;
  refundedPaise: number;
  createdAt: string;
  capturedAt: string | null;
}

/** One refund of a payment (issued, or of a further gateway payment) and how far its money has got back. */
export interface RefundDoc extends Document {
  paymentId: string;
  refundId: string;
  userId: string;
  appointmentId: string | null;
  reason: RefundToCarryOut['reason'];
  amountPaise: number;
  toSourcePaise: number;
  toWalletPaise: number;
  status: RefundStatus;
  /** The gateway's latest refusal, kept after a successful retry. */
  failureReason: string | null;
  gatewayRefundId: string | null;
  issuedAt: string;
  updatedAt: string;
}

export const refundDocId = (paymentId: string, refundId: string): string => `${paymentId}:${refundId}`;

/**
 * Payments by id, by gateway order id (verify and webhooks) and by appointment (expiry, cancellation);
 * their refunds by status, for the admins who retry failed ones.
 */
export const paymentsProjection: Projection = {
  name: 'payments',
  collections: [
    { name: PAYMENTS, indexes: [{ fields: ['orderId'] }, { fields: ['appointmentId'] }, { fields: ['userId'] }] },
    { name: PAYMENT_REFUNDS, indexes: [{ fields: ['status'] }, { fields: ['paymentId'] }] },
  ],
  handles: paymentEventTypes,
  async apply(recorded: RecordedEvent, read: ReadView): Promise<Write[]> {
    const event = { type: recorded.type, data: recorded.data } as PaymentEvent;
    const id = event.data.paymentId;
    const set = (fields: Partial<PaymentDoc>): Write[] => [{ collection: PAYMENTS, id, set: fields }];
    const refund = (refundId: string, fields: Partial<RefundDoc>): Write => ({ collection: PAYMENT_REFUNDS, id: refundDocId(id, refundId), set: fields });
    const issued = (doc: PaymentDoc | null, fields: Pick<RefundDoc, 'refundId' | 'reason' | 'amountPaise' | 'toSourcePaise' | 'toWalletPaise'>) =>
      refund(fields.refundId, {
        ...fields, paymentId: id, userId: doc?.userId ?? '', appointmentId: doc?.appointmentId ?? null, status: 'pending',
        failureReason: null, gatewayRefundId: null, issuedAt: recorded.metadata.recordedAt, updatedAt: recorded.metadata.recordedAt,
      });
    switch (event.type) {
      case 'PaymentInitiated':
        return set({
          ...event.data, orderId: null, gatewayPaymentId: null, status: 'created', capturedPaise: 0, refundedPaise: 0,
          createdAt: recorded.metadata.recordedAt, capturedAt: null,
        });
      case 'GatewayOrderCreated':
        return set({ orderId: event.data.orderId });
      case 'PaymentCaptured':
        return set({
          status: 'captured', gatewayPaymentId: event.data.gatewayPaymentId, capturedPaise: event.data.amountPaise,
          capturedAt: recorded.metadata.recordedAt,
        });
      case 'PaymentFailed':
        return set({ status: 'failed', gatewayPaymentId: event.data.gatewayPaymentId });
      case 'RefundIssued': {
        const doc = await read.get<PaymentDoc>(PAYMENTS, id);
        const refundedPaise = (doc?.refundedPaise ?? 0) + event.data.amountPaise;
        const { refundId, reason, amountPaise, toSourcePaise, toWalletPaise } = event.data;
        return [
          ...set({ refundedPaise, status: refundedPaise >= (doc?.capturedPaise ?? 0) ? 'refunded' : 'partially_refunded' }),
          issued(doc, { refundId, reason, amountPaise, toSourcePaise, toWalletPaise }),
        ];
      }
      case 'ExtraCaptureRefunded': {
        // A second gateway payment is given back whole and never counts as this payment's money, but its
        // refund can fail like any other.
        const { refundId, amountPaise } = event.data;
        return [issued(await read.get<PaymentDoc>(PAYMENTS, id), { refundId, reason: 'extra_capture', amountPaise, toSourcePaise: amountPaise, toWalletPaise: 0 })];
      }
      case 'RefundFailed':
        return [refund(event.data.refundId, { status: 'failed', failureReason: event.data.reason, updatedAt: event.data.at })];
      case 'RefundRetryRequested':
        return [refund(event.data.refundId, { status: 'retrying', updatedAt: event.data.at })];
      case 'RefundCompleted':
        return [refund(event.data.refundId, { status: 'completed', gatewayRefundId: event.data.gatewayRefundId, updatedAt: event.data.at })];
    }
  },
};
