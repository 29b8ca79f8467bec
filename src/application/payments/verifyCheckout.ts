import { PaymentMismatch } from '../../domain/payments/payment.js';
import { Conflict, Invalid } from '../../domain/shared/errors.js';
import type { CommandContext } from '../eventSourcing/commandHandler.js';
import { captureReportedPayment } from './capturePayment.js';
import { checkoutSignature, signatureMatches } from './gatewaySignature.js';
import { paymentForOrder } from './paymentLookup.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { loadPayment } from './paymentStream.js';

export interface CheckoutProof {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}

export class BadSignature extends Invalid {
  constructor() {
    super('bad_signature', 'The signature does not match.');
  }
}

/**
 * The browser's proof of payment. The signature is checked first (nothing is read or written for a
 * forged one); the amount comes from the gateway's own record of the payment, never from the client.
 */
export function verifyCheckout(deps: PaymentsDeps) {
  const capture = captureReportedPayment(deps);
  const lookup = paymentForOrder(deps);
  const alreadyRecorded = async (paymentId: string, gatewayPaymentId: string): Promise<boolean> => {
    const payment = await loadPayment(deps.handler.events, paymentId);
    return payment.status === 'captured' && (payment.gatewayPaymentId === gatewayPaymentId || gatewayPaymentId in payment.extraCaptures);
  };
  return async (proof: CheckoutProof, ctx: CommandContext) => {
    const expected = checkoutSignature(proof.razorpay_order_id, proof.razorpay_payment_id, deps.secrets.keySecret);
    if (!signatureMatches(expected, proof.razorpay_signature)) throw new BadSignature();
    const doc = await lookup(proof.razorpay_order_id);
    const reported = await deps.gateway.fetchPayment(proof.razorpay_payment_id);
    // Only money the gateway holds now makes a first capture: an old proof of a payment refunded since
    // must buy nothing. Repeating the proof of a capture we recorded (refunded later) still answers it.
    if (reported.status !== 'captured' && !(await alreadyRecorded(doc.paymentId, reported.gatewayPaymentId))) {
      throw new Conflict('payment_not_captured', `The gateway reports this payment as ${reported.status}.`);
    }
    try {
      const result = await capture({
        paymentId: doc.paymentId, via: 'verify', orderId: reported.orderId, gatewayPaymentId: reported.gatewayPaymentId,
        gatewayPaise: reported.amountPaise,
      }, ctx);
      return {
        status: 'captured' as const, appointmentId: doc.appointmentId, settlement: result.settlement, refundReason: result.refundReason,
        position: result.position,
      };
    } catch (error) {
      if (error instanceof PaymentMismatch) {
        deps.log.warn({ suspicious: true, orderId: proof.razorpay_order_id, gatewayPaymentId: proof.razorpay_payment_id, reason: error.message },
          'suspicious payment verification refused');
      }
      throw error;
    }
  };
}
