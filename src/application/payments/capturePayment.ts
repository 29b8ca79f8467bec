import {
  capturePayment, checkCapture, paymentDecider, refundUnusedCapture, unusedCaptureRefund, type CaptureChannel, type PaymentRecord,
  type UnusedCaptureReason,
} from '../../domain/payments/payment.js';
import { ReservationNotCapturable } from '../../domain/wallet/wallet.js';
import { handle, step, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { loadPayment, paymentStream } from './paymentStream.js';

export interface CaptureReport {
  paymentId: string;
  via: CaptureChannel;
  orderId: string | null;
  gatewayPaymentId: string | null;
  gatewayPaise: number;
}

export type Settlement = 'confirmed' | 'credited' | 'refunded' | 'pending';

/**
 * The one capture path for verify, webhook and wallet: whichever report arrives first captures, any
 * later one about the same gateway payment finds the payment captured and only re-runs the
 * (idempotent) settlement; a report of another gateway payment on the same order has it refunded
 * whole. A report whose order or amount differs from the recorded order is refused before anything
 * is touched.
 */
export function captureReportedPayment(deps: PaymentsDeps) {
  const settle = settlePayment(deps);
  return async (report: CaptureReport, ctx: CommandContext) => {
    const cmd = { via: report.via, orderId: report.orderId, gatewayPaymentId: report.gatewayPaymentId, gatewayPaise: report.gatewayPaise };
    const record = checkCapture(await loadPayment(deps.handler.events, report.paymentId), { ...cmd, walletCaptured: false });
    // Only consulted for a first capture; a repeated report appends nothing whatever it says.
    let walletCaptured = false;
    if (record.status !== 'captured' && record.walletPaise > 0) {
      // Hybrid: the wallet part is taken together with the gateway part. A reservation that lapsed or
      // was released leaves only the gateway part captured, which the settlement then gives back.
      try {
        await deps.wallet.capture({ userId: record.userId, reservationId: record.paymentId }, step(ctx, 'wallet-capture'));
        walletCaptured = true;
      } catch (error) {
        if (!(error instanceof ReservationNotCapturable)) throw error;
        deps.log.warn({ paymentId: record.paymentId, reason: error.message }, 'wallet part of a hybrid payment could not be captured');
      }
    }
    const captured = await handle(deps.handler, paymentStream(report.paymentId), paymentDecider,
      (p) => capturePayment(p, { ...cmd, walletCaptured }), step(ctx, 'capture'));
    if (captured.appended.some((e) => e.type === 'ExtraCaptureRefunded')) {
      deps.log.warn({ paymentId: record.paymentId, orderId: report.orderId, gatewayPaymentId: report.gatewayPaymentId, via: report.via },
        'second gateway payment on an order already paid; refunding it in full');
    }
    const state = captured.state as PaymentRecord;
    const settled = await settle(state, { ...ctx, causationId: captured.lastEventId ?? ctx.causationId });
    // The report was of another gateway payment on the order: that one bought nothing and is given back.
    const extra = report.gatewayPaymentId !== null && report.gatewayPaymentId !== state.gatewayPaymentId && report.gatewayPaymentId in state.extraCaptures;
    if (extra) return { payment: state, settlement: 'refunded' as const, refundReason: 'duplicate_payment' as const, position: Math.max(captured.position, settled.position) };
    // Answer with the later position, so a client reading right after sees the booking or the credit.
    return {
      payment: state, settlement: settled.settlement, refundReason: settled.refundReason,
      position: Math.max(captured.position, settled.position),
    };
  };
}

/**
 * What a captured payment buys: a top-up credits the wallet; an appointment payment confirms the
 * booking, or — when the hold is gone, or the wallet part could not be taken — is refunded in full.
 * Every step is idempotent, so the inline call and the safety-net reactor may both run it.
 */
export function settlePayment(deps: PaymentsDeps) {
  return async (payment: PaymentRecord, ctx: CommandContext): Promise<{ settlement: Settlement; position: number; refundReason?: UnusedCaptureReason }> => {
    if (payment.status !== 'captured' || payment.captured === null) return { settlement: 'pending', position: 0 };
    if (payment.purpose === 'topup') {
      const credited = await deps.wallet.credit({
        userId: payment.userId, creditId: `topup:${payment.paymentId}`, amountPaise: payment.captured.gatewayPaise,
        reason: 'topup', paymentId: payment.paymentId,
      }, step(ctx, 'topup-credit'));
      return { settlement: 'credited', position: credited.position };
    }
    const refundedBefore = unusedCaptureRefund(payment);
    if (refundedBefore) return { settlement: 'refunded', refundReason: refundedBefore, position: 0 };
    const walletShort = payment.walletPaise > 0 && payment.captured.walletPaise === 0;
    let reason: UnusedCaptureReason = 'late_capture';
    if (!walletShort && payment.appointmentId) {
      const outcome = await deps.booking.confirmBooking({
        appointmentId: payment.appointmentId, paymentId: payment.paymentId, method: payment.method,
        paidPaise: payment.captured.gatewayPaise + payment.captured.walletPaise,
      }, step(ctx, 'confirm'));
      if (outcome.confirmed) return { settlement: 'confirmed', position: outcome.position };
      // A booking this payment already bought and that was later cancelled is refunded by the
      // cancellation policy, not here.
      const appointment = await deps.booking.getAppointment(payment.appointmentId);
      if (appointment?.paymentId === payment.paymentId) return { settlement: 'confirmed', position: 0 };
      if (outcome.reason === 'paid_by_another') reason = 'duplicate_payment';
    }
    const refunded = await handle(deps.handler, paymentStream(payment.paymentId), paymentDecider,
      (p) => (p.status === 'captured' ? refundUnusedCapture(p, `late:${payment.paymentId}`, reason) : []), step(ctx, 'late-refund'));
    if (refunded.appended.length > 0) {
      deps.log.warn({ paymentId: payment.paymentId, appointmentId: payment.appointmentId, reason },
        reason === 'duplicate_payment' ? 'duplicate payment refunded in full' : 'late capture refunded in full');
    }
    return { settlement: 'refunded', refundReason: unusedCaptureRefund(refunded.state as PaymentRecord) ?? reason, position: refunded.position };
  };
}
