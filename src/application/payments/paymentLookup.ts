import { NotFound } from '../../domain/shared/errors.js';
import { PAYMENTS, type PaymentDoc } from './payments.projection.js';
import type { PaymentsDeps } from './paymentsDeps.js';

/** Finds our payment behind a gateway order id, waiting once for the read model if it lags. */
export function paymentForOrder(deps: PaymentsDeps) {
  return async (orderId: string): Promise<PaymentDoc> => {
    const find = () => deps.reads.find<PaymentDoc>(PAYMENTS, { orderId }, { limit: 1 });
    let [doc] = await find();
    if (!doc) {
      await deps.waitForProjections(await deps.handler.events.headPosition());
      [doc] = await find();
    }
    if (!doc) throw new NotFound('Payment for order', orderId);
    return doc;
  };
}
