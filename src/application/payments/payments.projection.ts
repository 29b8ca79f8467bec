import { paymentEventTypes, type PaymentEvent } from '../../domain/payments/payment.js';
import type { Projection, ReadView } from '../eventSourcing/projection.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { Document, Write } from '../ports/readStore.js';

export const PAYMENTS = 'payments';

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

/** Payments by id, by gateway order id (verify and webhooks) and by appointment (expiry, cancellation). */
export const paymentsProjection: Projection = {
  name: 'payments',
  collections: [{ name: PAYMENTS, indexes: [{ fields: ['orderId'] }, { fields: ['appointmentId'] }, { fields: ['userId'] }] }],
  handles: paymentEventTypes,
  async apply(recorded: RecordedEvent, read: ReadView): Promise<Write[]> {
    const event = { type: recorded.type, data: recorded.data } as PaymentEvent;
    const id = event.data.paymentId;
    const set = (fields: Partial<PaymentDoc>): Write[] => [{ collection: PAYMENTS, id, set: fields }];
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
        return set({ refundedPaise, status: refundedPaise >= (doc?.capturedPaise ?? 0) ? 'refunded' : 'partially_refunded' });
      }
      case 'ExtraCaptureRefunded':
        // A second gateway payment is given back whole and never counts as this payment's money.
        return [];
    }
  },
};
