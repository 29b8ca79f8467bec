import { paymentDecider, requestRefundRetry } from '../../domain/payments/payment.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { PaymentsDeps } from './paymentsDeps.js';
import { paymentStream } from './paymentStream.js';

/**
 * An admin's retry of a refund the gateway refused: it records the request, and the refund reactor
 * goes to the gateway again under the refund's own idempotency key, so the money moves at most once.
 */
export function retryRefund(deps: Pick<PaymentsDeps, 'handler'>) {
  return async (cmd: { paymentId: string; refundId: string }, ctx: CommandContext) => {
    const { position } = await handle(deps.handler, paymentStream(cmd.paymentId), paymentDecider,
      (p) => requestRefundRetry(p, { refundId: cmd.refundId, at: deps.handler.clock.now().toISOString() }), ctx);
    return { position };
  };
}
