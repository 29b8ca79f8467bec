import { issueRefund, paymentDecider, type PaymentEvent, type PaymentRecord } from '../../domain/payments/payment.js';
import { Invalid } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import type { WalletEvent } from '../../domain/wallet/wallet.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import { captureReportedPayment, settlePayment } from './capturePayment.js';
import { PAYMENTS, type PaymentDoc } from './payments.projection.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { retryingOnlyTransient } from './reactorFailures.js';
import { loadPayment, paymentStream } from './paymentStream.js';

const contextOf = (event: RecordedEvent): CommandContext =>
  ({ actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId });

type RefundIssued = Extract<PaymentEvent, { type: 'RefundIssued' }>['data'];
type ExtraCaptureRefunded = Extract<PaymentEvent, { type: 'ExtraCaptureRefunded' }>['data'];

const rupees = (paise: number): string => `₹${(paise / 100).toFixed(2)}`;

/**
 * Carries out each issued refund: the gateway part through the gateway with the refund id as
 * idempotency key (a retry never pays twice), the wallet part as a refund credit keyed the same way.
 * A refund for a late capture, and a second gateway payment given back, also tell the patient why
 * the money came back.
 */
export function refundReactor(deps: PaymentsDeps): Reactor {
  const name = 'payments-refunds';
  const notify = async (event: RecordedEvent, userId: string, text: string) => {
    const user = await deps.reads.get<{ id: string; email?: string; name?: string }>('users', userId);
    if (!user?.email) return;
    await deps.mailer.send({
      to: user.email, subject: 'Your payment was refunded', text: `Hello${user.name ? ` ${user.name}` : ''},\n\n${text}`,
      idempotencyKey: `${name}:${event.metadata.eventId}`,
    });
  };
  return {
    name,
    handles: ['RefundIssued', 'ExtraCaptureRefunded'],
    async react(event) {
      if (event.type === 'ExtraCaptureRefunded') {
        const extra = event.data as ExtraCaptureRefunded;
        const payment = await loadPayment(deps.handler.events, extra.paymentId) as PaymentRecord;
        await retryingOnlyTransient(deps.log, name, event, async () => {
          await deps.gateway.refund(extra.gatewayPaymentId, extra.amountPaise, extra.refundId);
        });
        await notify(event, payment.userId, `we received a second payment of ${rupees(extra.amountPaise)} for an order that had already been paid. `
          + 'It bought nothing more, so we have refunded it in full to your card or bank account.\n');
        return;
      }
      const refund = event.data as RefundIssued;
      const payment = await loadPayment(deps.handler.events, refund.paymentId) as PaymentRecord;
      if (refund.toSourcePaise > 0) {
        // The gateway refusing (not merely being down) will not change on retry: a person must look.
        await retryingOnlyTransient(deps.log, name, event, async () => {
          if (!payment.gatewayPaymentId) throw new Invalid('no_gateway_payment', `payment ${payment.paymentId} has no gateway payment to refund`);
          await deps.gateway.refund(payment.gatewayPaymentId, refund.toSourcePaise, refund.refundId);
        });
      }
      if (refund.toWalletPaise > 0) {
        await deps.wallet.credit({
          userId: payment.userId, creditId: `refund:${refund.refundId}`, amountPaise: refund.toWalletPaise, reason: 'refund', paymentId: payment.paymentId,
        }, contextOf(event));
      }
      if (refund.reason === 'late_capture') {
        await notify(event, payment.userId, `your payment of ${rupees(refund.amountPaise)} arrived after the slot's hold had lapsed, `
          + 'so the appointment could not be confirmed. We have refunded it in full'
          + `${refund.toSourcePaise > 0 ? ` (${rupees(refund.toSourcePaise)} to your card or bank account)` : ''}`
          + `${refund.toWalletPaise > 0 ? ` (${rupees(refund.toWalletPaise)} to your HealthVision wallet)` : ''}.\n\n`
          + 'Please book another slot whenever it suits you.\n');
      }
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
      // E.g. a payment already given back as a late capture has nothing left to refund: logged, not retried.
      await retryingOnlyTransient(deps.log, 'payments-cancellation-refunds', event, async () => {
        await handle(deps.handler, paymentStream(refund.paymentId), paymentDecider, (p) => issueRefund(p, {
          refundId: `cancel:${event.metadata.eventId}`, amountPaise: refund.amountPaise, destination: refund.destination, reason: 'cancellation',
        }), contextOf(event));
      });
    },
  };
}

/**
 * A hybrid's wallet part is released when its hold expires, its gateway part fails, the appointment is
 * cancelled unpaid, or it was paid by another payment (an abandoned attempt must not keep funds held).
 * Releasing a captured reservation changes nothing, so a paid one is safe in all these cases.
 */
export function reservationReleaseReactor(deps: PaymentsDeps): Reactor {
  const reasons = {
    AppointmentExpired: 'hold_expired', AppointmentCancelled: 'appointment_cancelled', AppointmentConfirmed: 'superseded', PaymentFailed: 'payment_failed',
  } as const;
  return {
    name: 'payments-reservation-release',
    handles: Object.keys(reasons),
    async react(event) {
      const ctx = contextOf(event);
      const reason = reasons[event.type as keyof typeof reasons];
      const data = event.data as { appointmentId?: string; paymentId?: string };
      // An appointment event names the appointment (the read model finds its payments, initiated
      // before it); a failure names the payment, read from its stream as the read model may lag.
      const payments: Array<Pick<PaymentDoc, 'paymentId' | 'userId' | 'method'>> = event.type === 'PaymentFailed'
        ? [await loadPayment(deps.handler.events, data.paymentId as string)].filter((p) => p.status !== 'none')
        : (await deps.reads.find<PaymentDoc>(PAYMENTS, { appointmentId: data.appointmentId as string }))
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
      const ctx = contextOf(event);
      await retryingOnlyTransient(deps.log, 'payments-settlement', event, async () => {
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
      });
    },
  };
}
