import type { RefundStatus } from '../../domain/payments/payment.js';
import type { Filter } from '../ports/readStore.js';
import { PAYMENT_REFUNDS, refundDocId, type RefundDoc } from './payments.projection.js';
import type { PaymentsDeps } from './paymentsDeps.js';

/** Refunds for admins: by status (the failed ones to retry), newest change first. */
export function refundQueries(deps: Pick<PaymentsDeps, 'reads'>) {
  return {
    list: (query: { status?: RefundStatus; paymentId?: string; page: number; limit: number }): Promise<RefundDoc[]> => {
      const filter: Filter = {};
      if (query.status) filter.status = query.status;
      if (query.paymentId) filter.paymentId = query.paymentId;
      return deps.reads.find<RefundDoc>(PAYMENT_REFUNDS, filter, { sort: { updatedAt: -1 }, skip: (query.page - 1) * query.limit, limit: query.limit });
    },
    get: (paymentId: string, refundId: string): Promise<RefundDoc | null> => deps.reads.get<RefundDoc>(PAYMENT_REFUNDS, refundDocId(paymentId, refundId)),
  };
}
