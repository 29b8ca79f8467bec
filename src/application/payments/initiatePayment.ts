import {
  failPayment, initialPayment, initiatePayment, paymentDecider, recordGatewayOrder, type PaymentMethod, type PaymentRecord,
} from '../../domain/payments/payment.js';
import { Conflict, Invalid, NotFound } from '../../domain/shared/errors.js';
import { availablePaise, InsufficientFunds, walletDecider } from '../../domain/wallet/wallet.js';
import { deterministicId, handle, step, type CommandContext } from '../eventSourcing/commandHandler.js';
import { loadStream } from '../eventSourcing/snapshots.js';
import { walletStream } from '../wallet/walletCommands.js';
import { captureReportedPayment, type Settlement } from './capturePayment.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { loadPayment, paymentStream } from './paymentStream.js';

export interface InitiateAppointmentPayment {
  appointmentId: string;
  method: PaymentMethod;
  walletAmountPaise?: number;
}

export interface Initiated {
  paymentId: string;
  status: 'created' | 'captured';
  razorpay?: { orderId: string; amountPaise: number; currency: 'INR'; keyId: string };
  settlement?: Settlement;
  position: number;
}

/** A retried command (same Idempotency-Key) lands on the same payment instead of opening a second. */
function newPaymentId(deps: PaymentsDeps, ctx: CommandContext): string {
  return ctx.idempotencyKey ? deterministicId(ctx.idempotencyKey, 'payment', 0) : deps.handler.ids.next();
}

/** Payments of one appointment and terms that never got an order, past which a fresh id is used. */
const MAX_DEAD_PAYMENTS = 50;

/**
 * The appointment's payment on these terms: ids derive from the appointment and the terms, so a
 * repeated initiate (a declined card's second attempt, a double click, a retry with or without a key)
 * lands on the open payment and reuses its order. Only a payment that failed before it had an order
 * (the gateway refused the order, the wallet was short) is passed over for the next id.
 */
async function paymentIdFor(deps: PaymentsDeps, terms: { appointmentId: string; method: PaymentMethod; walletPaise: number }): Promise<string> {
  const seed = `${terms.appointmentId}\u0000${terms.method}\u0000${terms.walletPaise}`;
  for (let n = 0; n < MAX_DEAD_PAYMENTS; n += 1) {
    const paymentId = deterministicId(seed, 'appointment-payment', n);
    const payment = await loadPayment(deps.handler.events, paymentId);
    if (payment.status !== 'failed' || payment.orderId !== null) return paymentId;
  }
  return deps.handler.ids.next();
}

export function initiatePayments(deps: PaymentsDeps) {
  const capture = captureReportedPayment(deps);
  const now = () => deps.handler.clock.now().toISOString();

  /**
   * What the wallet can give a new payment for this appointment: its available funds, plus what the
   * patient's other open payments for the same appointment hold (a declined hybrid attempt, say), which
   * the new payment takes over, as paying again another way means giving up the earlier attempt.
   */
  async function walletFor(userId: string, appointmentId: string, paymentId: string) {
    const { state } = await loadStream(deps.handler, walletStream(userId), walletDecider, false);
    const superseded: Array<{ reservationId: string; amountPaise: number }> = [];
    for (const [reservationId, r] of Object.entries(state.reservations)) {
      if (r.status !== 'held' || r.expiresAt <= now() || reservationId === paymentId) continue;
      const other = await loadPayment(deps.handler.events, r.paymentId);
      if (other.status !== 'none' && other.appointmentId === appointmentId) superseded.push({ reservationId, amountPaise: r.amountPaise });
    }
    return { available: availablePaise(state) + superseded.reduce((sum, r) => sum + r.amountPaise, 0), superseded };
  }

  /**
   * Orders the gateway part (once per payment) and records the order on the payment stream; if the
   * gateway cannot take the order, the payment fails and any wallet part is released. `since` is the
   * position the caller's own append reached, for read-your-writes.
   */
  async function orderGatewayPart(payment: PaymentRecord, since: number, ctx: CommandContext): Promise<Initiated> {
    try {
      const ordered = await orderOnce(payment, ctx);
      return { ...ordered, position: Math.max(ordered.position, since) };
    } catch (error) {
      await failAndRelease(payment, 'gateway_order_failed', ctx);
      throw error;
    }
  }

  async function orderOnce(payment: PaymentRecord, ctx: CommandContext): Promise<Initiated> {
    let orderId = payment.orderId;
    let position = 0;
    if (orderId === null) {
      const notes: Record<string, string> = { paymentId: payment.paymentId, purpose: payment.purpose };
      if (payment.appointmentId) notes.appointmentId = payment.appointmentId;
      const order = await deps.gateway.createOrder({ amountPaise: payment.gatewayPaise, currency: 'INR', receipt: payment.paymentId, notes });
      const recorded = await handle(deps.handler, paymentStream(payment.paymentId), paymentDecider,
        (p) => recordGatewayOrder(p, { orderId: order.orderId, amountPaise: order.amountPaise }), step(ctx, 'order'));
      orderId = order.orderId;
      position = recorded.position;
    }
    return {
      paymentId: payment.paymentId, status: 'created', position,
      razorpay: { orderId, amountPaise: payment.gatewayPaise, currency: 'INR', keyId: deps.gateway.keyId },
    };
  }

  async function failAndRelease(payment: PaymentRecord, reason: string, ctx: CommandContext): Promise<void> {
    await handle(deps.handler, paymentStream(payment.paymentId), paymentDecider,
      (p) => failPayment(p, { gatewayPaymentId: null, reason }), step(ctx, 'fail'));
    if (payment.walletPaise > 0) {
      await deps.wallet.release({ userId: payment.userId, reservationId: payment.paymentId, reason: 'payment_failed' }, step(ctx, 'release'));
    }
  }

  return {
    /**
     * Pays for a held appointment. The amount is the appointment's fee, never the client's; only its
     * patient may pay, and only while the hold is live.
     */
    async forAppointment(cmd: InitiateAppointmentPayment, ctx: CommandContext): Promise<Initiated> {
      const appointment = await deps.booking.getAppointment(cmd.appointmentId);
      if (!appointment || appointment.patientId !== ctx.actor.userId) throw new NotFound('Appointment', cmd.appointmentId);
      if (appointment.status !== 'pending_payment' || !appointment.holdExpiresAt || appointment.holdExpiresAt <= now()) {
        throw new Conflict('appointment_not_payable', 'This appointment is not awaiting payment (it is confirmed, cancelled, or its hold has lapsed).');
      }
      const amountPaise = appointment.feePaise;
      const walletPaise = cmd.method === 'wallet' ? amountPaise : cmd.method === 'hybrid' ? cmd.walletAmountPaise : 0;
      if (walletPaise === undefined) throw new Invalid('wallet_amount_required', 'A hybrid payment needs walletAmountPaise.');
      if (cmd.method !== 'hybrid' && cmd.walletAmountPaise !== undefined) {
        throw new Invalid('wallet_amount_not_allowed', 'walletAmountPaise is only for hybrid payments.');
      }
      const userId = ctx.actor.userId;
      const paymentId = await paymentIdFor(deps, { appointmentId: cmd.appointmentId, method: cmd.method, walletPaise });
      const terms = { paymentId, purpose: 'appointment' as const, userId, appointmentId: cmd.appointmentId, method: cmd.method, amountPaise, walletPaise };
      // The terms are judged first (400 before 402), then the funds, before anything is written: a
      // refusal leaves no trace. A repeated initiate finds its payment and skips the check.
      initiatePayment(initialPayment, terms);
      if (walletPaise > 0 && (await loadPayment(deps.handler.events, paymentId)).status === 'none') {
        const { available, superseded } = await walletFor(userId, cmd.appointmentId, paymentId);
        if (available < walletPaise) throw new InsufficientFunds(walletPaise, available);
        for (const { reservationId } of superseded) {
          await deps.wallet.release({ userId, reservationId, reason: 'superseded' }, step(ctx, `supersede:${reservationId}`));
        }
      }
      const started = await handle(deps.handler, paymentStream(paymentId), paymentDecider, (p) => initiatePayment(p, terms), step(ctx, 'initiate'));
      const payment = started.state as PaymentRecord;
      const causation = { ...ctx, causationId: started.lastEventId ?? ctx.causationId };

      if (cmd.method === 'wallet') {
        try {
          await deps.wallet.debit({ userId, reservationId: paymentId, paymentId, amountPaise }, step(causation, 'debit'));
        } catch (error) {
          // Funds spent by a concurrent payment between the check and the debit.
          if (error instanceof InsufficientFunds) await failAndRelease(payment, 'insufficient_funds', causation);
          throw error;
        }
        const captured = await capture({ paymentId, via: 'wallet', orderId: null, gatewayPaymentId: null, gatewayPaise: 0 }, causation);
        return { paymentId, status: 'captured', settlement: captured.settlement, position: captured.position };
      }
      if (cmd.method === 'hybrid') {
        try {
          // The wallet part is held only as long as the slot is.
          await deps.wallet.reserve({ userId, reservationId: paymentId, paymentId, amountPaise: walletPaise, expiresAt: appointment.holdExpiresAt },
            step(causation, 'reserve'));
        } catch (error) {
          if (error instanceof InsufficientFunds) await failAndRelease(payment, 'insufficient_funds', causation);
          throw error;
        }
      }
      return orderGatewayPart(payment, started.position, causation);
    },

    /** A wallet top-up: a gateway order, completed by the same verify/webhook path as any payment. */
    async topUp(cmd: { amountPaise: number }, ctx: CommandContext): Promise<Initiated> {
      const paymentId = newPaymentId(deps, ctx);
      const started = await handle(deps.handler, paymentStream(paymentId), paymentDecider, (p) => initiatePayment(p, {
        paymentId, purpose: 'topup', userId: ctx.actor.userId, appointmentId: null, method: 'razorpay', amountPaise: cmd.amountPaise, walletPaise: 0,
      }), step(ctx, 'initiate'));
      const payment = started.state as PaymentRecord;
      const causation = { ...ctx, causationId: started.lastEventId ?? ctx.causationId };
      return orderGatewayPart(payment, started.position, causation);
    },
  };
}
