import { refundToCarryOut, type PaymentEvent, type RefundToCarryOut } from '../../domain/payments/payment.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { loadPayment } from './paymentStream.js';

const NAME = 'payments-refund-mail';

const rupees = (paise: number): string => `₹${(paise / 100).toFixed(2)}`;

const whereItWent = (refund: RefundToCarryOut): string =>
  `${refund.toSourcePaise > 0 ? ` (${rupees(refund.toSourcePaise)} to your card or bank account)` : ''}`
  + `${refund.toWalletPaise > 0 ? ` (${rupees(refund.toWalletPaise)} to your HealthVision wallet)` : ''}`;

/** Why money the patient did not ask back came back; a cancellation's refund is told in the cancellation e-mail. */
const LETTERS: Record<RefundToCarryOut['reason'], ((refund: RefundToCarryOut, paise: number) => string) | null> = {
  cancellation: null,
  late_capture: (refund, paise) => `your payment of ${rupees(paise)} arrived after the slot's hold had lapsed, `
    + `so the appointment could not be confirmed. We have refunded it in full${whereItWent(refund)}.\n\n`
    + 'Please book another slot whenever it suits you.\n',
  duplicate_payment: (refund, paise) => `your payment of ${rupees(paise)} was for an appointment another payment had already paid for. `
    + `It bought nothing more, so we have refunded it in full${whereItWent(refund)}.\n`,
  extra_capture: (_refund, paise) => `we received a second payment of ${rupees(paise)} for an order that had already been paid. `
    + 'It bought nothing more, so we have refunded it in full to your card or bank account.\n',
};

/**
 * Tells the patient why a payment came back, once its refund has gone through. Kept apart from the
 * refund itself, so a mail service refusing or down never holds back or undoes a refund; its own
 * failures are retried or parked by the runner. One e-mail per refund, whatever is replayed.
 */
export function refundMailReactor(deps: Pick<PaymentsDeps, 'handler' | 'reads' | 'mailer'>): Reactor {
  return {
    name: NAME,
    handles: ['RefundCompleted'],
    async react(event) {
      const { paymentId, refundId } = event.data as Extract<PaymentEvent, { type: 'RefundCompleted' }>['data'];
      const payment = await loadPayment(deps.handler.events, paymentId);
      const refund = payment.status === 'none' ? null : refundToCarryOut(payment, refundId);
      const letter = refund && LETTERS[refund.reason];
      if (payment.status === 'none' || !refund || !letter) return;
      const user = await deps.reads.get<{ id: string; email?: string; name?: string }>('users', payment.userId);
      if (!user?.email) return;
      await deps.mailer.send({
        to: user.email, subject: 'Your payment was refunded',
        text: `Hello${user.name ? ` ${user.name}` : ''},\n\n${letter(refund, refund.toSourcePaise + refund.toWalletPaise)}`,
        idempotencyKey: `${NAME}:${paymentId}:${refundId}`,
      });
    },
  };
}
