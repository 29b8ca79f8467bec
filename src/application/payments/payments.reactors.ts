import {
  completeRefund, failRefund, issueRefund, paymentDecider, refundToCarryOut, type Payment, type PaymentEvent, type PaymentRecord,
} from '../../domain/payments/payment.js';
import { DomainError, Invalid } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import type { WalletEvent } from '../../domain/wallet/wallet.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import { isTransient } from '../eventSourcing/transientFailure.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import { captureReportedPayment, settlePayment } from './capturePayment.js';
import { PAYMENTS, type PaymentDoc } from './payments.projection.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { loadPayment, paymentStream } from './paymentStream.js';

const contextOf = (event: RecordedEvent): CommandContext =>
  ({ actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId });

/**
 * Carries out each refund — issued, of a second gateway payment, or retried by an admin: the wallet part
 * as a refund credit, the gateway part through the gateway with the refund id as idempotency key (a
 * retry never pays twice), then records it completed. A gateway that refuses (rather than being down)
 * will refuse again, so that is recorded as RefundFailed for an admin to look at and retry; being down
 * is left to the runner's retries.
 */
export function refundReactor(deps: PaymentsDeps): Reactor {
  const now = () => deps.handler.clock.now().toISOString();
  return {
    name: 'payments-refunds',
    handles: ['RefundIssued', 'ExtraCaptureRefunded', 'RefundRetryRequested'],
    async react(event) {
      const { paymentId, refundId } = event.data as { paymentId: string; refundId: string };
      const ctx = contextOf(event);
      const payment = await loadPayment(deps.handler.events, paymentId) as PaymentRecord;
      // The stream's present rules over the event replayed: done, or refused and not retried since, it is left alone.
      if (payment.refundStatus[refundId] === 'completed' || payment.refundStatus[refundId] === 'failed') return;
      const refund = refundToCarryOut(payment, refundId);
      if (!refund) return;
      const record = (decide: (p: Payment) => PaymentEvent[]) => handle(deps.handler, paymentStream(paymentId), paymentDecider, decide, ctx);
      if (refund.toWalletPaise > 0) {
        await deps.wallet.credit({
          userId: payment.userId, creditId: `refund:${refundId}`, amountPaise: refund.toWalletPaise, reason: 'refund', paymentId,
        }, ctx);
      }
      let gatewayRefundId: string | null = null;
      if (refund.toSourcePaise > 0) {
        try {
          if (!refund.gatewayPaymentId) throw new Invalid('no_gateway_payment', `Payment ${paymentId} has no gateway payment to refund.`);
          ({ gatewayRefundId } = await deps.gateway.refund(refund.gatewayPaymentId, refund.toSourcePaise, refundId));
        } catch (error) {
          if (isTransient(error)) throw error;
          const reason = (error as Error).message;
          deps.log.error({ paymentId, refundId, reason }, 'the gateway refused a refund; an admin can retry it');
          await record((p) => failRefund(p, { refundId, reason, at: now() }));
          return;
        }
      }
      await record((p) => completeRefund(p, { refundId, gatewayRefundId, at: now() }));
    },
  };
}

/** The booking saga's cancellation carries its refund decision; payments issues it. */
export function cancellationRefundReactor(deps: PaymentsDeps): Reactor {
  return {
    name: 'payments-cancellation-refunds',
    handles: ['AppointmentCancelled'],
    async react(event) {
      const { refund } = event.data as { refund: { amountPaise: number; destination: 'wallet' | 'source'; paymentId: string } | null };
      if (!refund || refund.amountPaise <= 0) return;
      try {
        await handle(deps.handler, paymentStream(refund.paymentId), paymentDecider, (p) => issueRefund(p, {
          refundId: `cancel:${event.metadata.eventId}`, amountPaise: refund.amountPaise, destination: refund.destination, reason: 'cancellation',
        }), contextOf(event));
      } catch (error) {
        // A payment already given back whole (a late or duplicate capture) has nothing left to refund:
        // an expected end, not a fault. Any other refusal is parked by the runner for an operator.
        if (!(error instanceof DomainError && error.code === 'refund_exceeds_payment')) throw error;
        deps.log.info({ paymentId: refund.paymentId, eventId: event.metadata.eventId }, 'nothing left to refund for a cancellation');
      }
    },
  };
}

/**
 * A hybrid's wallet part is released when its hold expires, the appointment is cancelled unpaid, or it
 * was paid by another payment (an abandoned attempt must not keep funds held). A declined card is not
 * among them: that is one attempt failing, and the patient may retry on the same order while the hold
 * lives. Releasing a captured reservation changes nothing, so a paid one is safe in all these cases.
 */
export function reservationReleaseReactor(deps: PaymentsDeps): Reactor {
  const reasons = { AppointmentExpired: 'hold_expired', AppointmentCancelled: 'appointment_cancelled', AppointmentConfirmed: 'superseded' } as const;
  return {
    name: 'payments-reservation-release',
    handles: Object.keys(reasons),
    async react(event) {
      const ctx = contextOf(event);
      const reason = reasons[event.type as keyof typeof reasons];
      const data = event.data as { appointmentId: string; paymentId?: string };
      // The read model finds the appointment's payments: each was initiated before this event.
      const payments = (await deps.reads.find<PaymentDoc>(PAYMENTS, { appointmentId: data.appointmentId }))
        .filter((p) => !(event.type === 'AppointmentConfirmed' && p.paymentId === data.paymentId));
      for (const payment of payments) {
        if (payment.method !== 'hybrid') continue;
        await deps.wallet.release({ userId: payment.userId, reservationId: payment.paymentId, reason }, ctx);
      }
    },
  };
}

/**
 * Safety nets for a crash between steps: a captured payment is always settled (booking confirmed,
 * top-up credited or late capture refunded), and a wallet debit always ends in a captured payment.
 */
export function settlementReactor(deps: PaymentsDeps): Reactor {
  const settle = settlePayment(deps);
  const capture = captureReportedPayment(deps);
  return {
    name: 'payments-settlement',
    handles: ['PaymentCaptured', 'WalletDebited'],
    async react(event) {
      // A refusal here leaves money captured but unsettled: it is parked by the runner for an operator.
      const ctx = contextOf(event);
      if (event.type === 'PaymentCaptured') {
        const payment = await loadPayment(deps.handler.events, (event.data as { paymentId: string }).paymentId);
        if (payment.status === 'captured') await settle(payment, ctx);
        return;
      }
      const { paymentId } = (event as unknown as { data: Extract<WalletEvent, { type: 'WalletDebited' }>['data'] }).data;
      const payment = await loadPayment(deps.handler.events, paymentId);
      if (payment.status === 'initiated' && payment.method === 'wallet') {
        await capture({ paymentId, via: 'wallet', orderId: null, gatewayPaymentId: null, gatewayPaise: 0 }, ctx);
      }
    },
  };
}
