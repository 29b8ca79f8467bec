import {
  capturePayment, checkCapture, paymentDecider, refundLateCapture, type CaptureChannel, type PaymentRecord,
} from '../../domain/payments/payment.js';
import { ReservationNotCapturable } from '../../domain/wallet/wallet.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { step, type PaymentsDeps } from './paymentsDeps.js';
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
    const settled = await settle(captured.state as PaymentRecord, { ...ctx, causationId: captured.lastEventId ?? ctx.causationId });
    // Answer with the later position, so a client reading right after sees the booking or the credit.
    return { payment: captured.state as PaymentRecord, settlement: settled.settlement, position: Math.max(captured.position, settled.position) };
  };
}

/**
 * What a captured payment buys: a top-up credits the wallet; an appointment payment confirms the
 * booking, or — when the hold is gone, or the wallet part could not be taken — is refunded in full.
 * Every step is idempotent, so the inline call and the safety-net reactor may both run it.
 */
export function settlePayment(deps: PaymentsDeps) {
  return async (payment: PaymentRecord, ctx: CommandContext): Promise<{ settlement: Settlement; position: number }> => {
    if (payment.status !== 'captured' || payment.captured === null) return { settlement: 'pending', position: 0 };
    if (payment.purpose === 'topup') {
      const credited = await deps.wallet.credit({
        userId: payment.userId, creditId: `topup:${payment.paymentId}`, amountPaise: payment.captured.gatewayPaise,
        reason: 'topup', paymentId: payment.paymentId,
      }, step(ctx, 'topup-credit'));
      return { settlement: 'credited', position: credited.position };
    }
    if (Object.values(payment.refunds).some((r) => r.reason === 'late_capture')) return { settlement: 'refunded', position: 0 };
    const walletShort = payment.walletPaise > 0 && payment.captured.walletPaise === 0;
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
    }
    const refunded = await handle(deps.handler, paymentStream(payment.paymentId), paymentDecider,
      (p) => (p.status === 'captured' ? refundLateCapture(p, `late:${payment.paymentId}`) : []), step(ctx, 'late-refund'));
    if (refunded.appended.length > 0) {
      deps.log.warn({ paymentId: payment.paymentId, appointmentId: payment.appointmentId }, 'late capture refunded in full');
    }
    return { settlement: 'refunded', position: refunded.position };
  };
}
