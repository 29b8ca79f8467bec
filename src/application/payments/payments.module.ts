import type { ContextModule } from '../module.js';
import { acceptWebhook, webhookInboxReactor } from './gatewayWebhook.js';
import { initiatePayments } from './initiatePayment.js';
import { paymentsProjection } from './payments.projection.js';
import { cancellationRefundReactor, refundReactor, reservationReleaseReactor, settlementReactor } from './payments.reactors.js';
import { refundMailReactor } from './refundMail.reactor.js';
import { refundQueries } from './refundQueries.js';
import { retryRefund } from './retryRefund.js';
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
    retryRefund: retryRefund(deps),
    refunds: refundQueries(deps),
    projections: [paymentsProjection],
    reactors: [
      webhookInboxReactor(deps), settlementReactor(deps), refundReactor(deps), refundMailReactor(deps), cancellationRefundReactor(deps),
      reservationReleaseReactor(deps),
    ],
  } satisfies ContextModule & Record<string, unknown>;
}

export type PaymentsModule = ReturnType<typeof createPaymentsModule>;
