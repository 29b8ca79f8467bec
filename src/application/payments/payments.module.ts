import { NotFound } from '../../domain/shared/errors.js';
import type { Actor } from '../../domain/shared/event.js';
import type { ContextModule } from '../module.js';
import { acceptWebhook, webhookInboxReactor } from './gatewayWebhook.js';
import { initiatePayments } from './initiatePayment.js';
import { PAYMENTS, paymentsProjection, type PaymentDoc } from './payments.projection.js';
import { cancellationRefundReactor, refundReactor, reservationReleaseReactor, settlementReactor } from './payments.reactors.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { verifyCheckout } from './verifyCheckout.js';

/** Payments: initiate (gateway, wallet, hybrid), verify, webhooks, settlement and refunds. */
export function createPaymentsModule(deps: PaymentsDeps) {
  const initiate = initiatePayments(deps);
  return {
    initiate: initiate.forAppointment,
    topUp: initiate.topUp,
    verify: verifyCheckout(deps),
    acceptWebhook: acceptWebhook(deps),
    /** A payment as its payer (or staff) sees it; anyone else gets 404. */
    async getPayment(paymentId: string, actor: Actor): Promise<PaymentDoc> {
      const doc = await deps.reads.get<PaymentDoc>(PAYMENTS, paymentId);
      if (!doc || (doc.userId !== actor.userId && actor.role !== 'admin' && actor.role !== 'auditor')) throw new NotFound('Payment', paymentId);
      return doc;
    },
    paymentsForAppointment: (appointmentId: string) => deps.reads.find<PaymentDoc>(PAYMENTS, { appointmentId }),
    projections: [paymentsProjection],
    reactors: [webhookInboxReactor(deps), settlementReactor(deps), refundReactor(deps), cancellationRefundReactor(deps), reservationReleaseReactor(deps)],
  } satisfies ContextModule & Record<string, unknown>;
}

export type PaymentsModule = ReturnType<typeof createPaymentsModule>;
