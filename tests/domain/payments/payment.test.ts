import { describe, expect, it } from '@jest/globals';
import {
  capturePayment, evolve, failPayment, initialPayment, initiatePayment, issueRefund, PaymentMismatch, recordGatewayOrder,
  completeRefund, failRefund, RefundNotFailed, refundToCarryOut, requestRefundRetry, type PaymentRecord,
  refundUnusedCapture, type CapturePayment, type RefundReason, type InitiatePayment, type Payment, type PaymentEvent,
} from '../../../src/domain/payments/payment.js';
import { Conflict, Invalid, NotFound } from '../../../src/domain/shared/errors.js';

const paymentId = 'pay-1';
const base = { paymentId, purpose: 'appointment' as const, userId: 'patient-1', appointmentId: 'appt-1', amountPaise: 50_000 };
const initiate = (method: 'razorpay' | 'wallet' | 'hybrid', walletPaise: number): InitiatePayment => ({ ...base, method, walletPaise });
const initiated = (method: 'razorpay' | 'wallet' | 'hybrid', walletPaise: number): PaymentEvent =>
  ({ type: 'PaymentInitiated', data: { ...base, method, walletPaise, gatewayPaise: base.amountPaise - walletPaise } });
const ordered = (amountPaise: number): PaymentEvent =>
  ({ type: 'GatewayOrderCreated', data: { paymentId, orderId: 'order_1', amountPaise, currency: 'INR' } });
const gatewayCapture = (gatewayPaise: number, over: Partial<CapturePayment> = {}): CapturePayment =>
  ({ via: 'webhook', orderId: 'order_1', gatewayPaymentId: 'pay_g1', gatewayPaise, walletCaptured: true, ...over });
const captured = (gatewayPaise: number, walletPaise: number, via: 'verify' | 'webhook' | 'wallet' = 'webhook'): PaymentEvent => ({
  type: 'PaymentCaptured',
  data: {
    paymentId, orderId: gatewayPaise > 0 ? 'order_1' : null, gatewayPaymentId: gatewayPaise > 0 ? 'pay_g1' : null,
    amountPaise: gatewayPaise + walletPaise, gatewayPaise, walletPaise, via,
  },
});
const extraRefunded = (gatewayPaise: number, gatewayPaymentId = 'pay_g2', via: 'verify' | 'webhook' = 'webhook'): PaymentEvent => ({
  type: 'ExtraCaptureRefunded',
  data: { paymentId, refundId: `extra:${gatewayPaymentId}`, orderId: 'order_1', gatewayPaymentId, amountPaise: gatewayPaise, via },
});
const failed: PaymentEvent = { type: 'PaymentFailed', data: { paymentId, gatewayPaymentId: 'pay_g1', reason: 'card declined' } };
const refunded = (refundId: string, amountPaise: number, toSourcePaise: number, toWalletPaise: number,
  destination: 'source' | 'wallet', reason: RefundReason = 'cancellation'): PaymentEvent =>
  ({ type: 'RefundIssued', data: { paymentId, refundId, reason, destination, amountPaise, toSourcePaise, toWalletPaise } });

const given = (events: PaymentEvent[]): Payment => events.reduce(evolve, initialPayment);

describe('initiating a payment', () => {
  it.each([
    ['through the gateway', initiate('razorpay', 0), [initiated('razorpay', 0)]],
    ['from the wallet', initiate('wallet', 50_000), [initiated('wallet', 50_000)]],
    ['hybrid with ₹1 from the wallet', initiate('hybrid', 100), [initiated('hybrid', 100)]],
    ['hybrid with all but one paisa from the wallet', initiate('hybrid', 49_999), [initiated('hybrid', 49_999)]],
  ])('%s', (_, when, then) => expect(initiatePayment(initialPayment, when)).toEqual(then));

  it('is a no-op when retried with the same terms', () => {
    expect(initiatePayment(given([initiated('hybrid', 100)]), initiate('hybrid', 100))).toEqual([]);
  });

  it.each([
    ['hybrid with nothing from the wallet', initiate('hybrid', 0), Invalid],
    ['hybrid with everything from the wallet', initiate('hybrid', 50_000), Invalid],
    ['wallet with only part of the fee', initiate('wallet', 10), Invalid],
    ['gateway with a wallet part', initiate('razorpay', 10), Invalid],
    ['a zero amount', { ...initiate('razorpay', 0), amountPaise: 0 }, Invalid],
    ['a top-up from the wallet', { ...initiate('wallet', 50_000), purpose: 'topup' as const }, Invalid],
  ])('refuses %s', (_, when, error) => expect(() => initiatePayment(initialPayment, when)).toThrow(error));

  it('refuses other terms under an existing id', () => {
    expect(() => initiatePayment(given([initiated('razorpay', 0)]), initiate('hybrid', 100))).toThrow(Conflict);
  });
});

describe('recording the gateway order', () => {
  it.each([
    ['for the gateway part', [initiated('hybrid', 100)], 49_900, [ordered(49_900)]],
    ['again (no-op)', [initiated('razorpay', 0), ordered(50_000)], 50_000, []],
  ])('%s', (_, history, amountPaise, then) => {
    expect(recordGatewayOrder(given(history), { orderId: 'order_1', amountPaise })).toEqual(then);
  });

  it.each([
    ['of another amount', [initiated('razorpay', 0)], 'order_1', 40_000],
    ['for a wallet-only payment', [initiated('wallet', 50_000)], 'order_1', 0],
    ['when the payment already has another order', [initiated('razorpay', 0), ordered(50_000)], 'order_2', 50_000],
  ])('refuses an order %s', (_, history, orderId, amountPaise) => {
    expect(() => recordGatewayOrder(given(history), { orderId, amountPaise })).toThrow();
  });
});

describe('capturing', () => {
  it.each([
    ['a gateway payment', [initiated('razorpay', 0), ordered(50_000)], gatewayCapture(50_000), [captured(50_000, 0)]],
    ['a wallet payment', [initiated('wallet', 50_000)],
      { via: 'wallet' as const, orderId: null, gatewayPaymentId: null, gatewayPaise: 0, walletCaptured: true }, [captured(0, 50_000, 'wallet')]],
    ['both parts of a hybrid', [initiated('hybrid', 100), ordered(49_900)], gatewayCapture(49_900), [captured(49_900, 100)]],
    ['a hybrid whose wallet part lapsed (only what was taken)', [initiated('hybrid', 100), ordered(49_900)],
      gatewayCapture(49_900, { walletCaptured: false }), [captured(49_900, 0)]],
    ['a later success after a failed attempt', [initiated('razorpay', 0), ordered(50_000), failed], gatewayCapture(50_000), [captured(50_000, 0)]],
    ['twice (verify after webhook): no-op', [initiated('razorpay', 0), ordered(50_000), captured(50_000, 0)],
      gatewayCapture(50_000, { via: 'verify' }), []],
  ])('%s', (_, history, when, then) => expect(capturePayment(given(history), when)).toEqual(then));

  const paid = [initiated('razorpay', 0), ordered(50_000), captured(50_000, 0)];
  const second = gatewayCapture(50_000, { gatewayPaymentId: 'pay_g2' });

  it.each([
    ['is refunded whole while the first one is kept (webhook)', paid, second, [extraRefunded(50_000)]],
    ['is refunded whole while the first one is kept (verify)', paid, { ...second, via: 'verify' as const }, [extraRefunded(50_000, 'pay_g2', 'verify')]],
    ['is refunded whole after the first was refunded on cancellation', [...paid, refunded('r1', 50_000, 50_000, 0, 'source')], second,
      [extraRefunded(50_000)]],
    ['is refunded whole after the first was refunded as a late capture', [...paid, refunded('late', 50_000, 50_000, 0, 'source', 'late_capture')],
      second, [extraRefunded(50_000)]],
    ['of a hybrid gives back its gateway amount (the wallet part is taken once)',
      [initiated('hybrid', 100), ordered(49_900), captured(49_900, 100)], gatewayCapture(49_900, { gatewayPaymentId: 'pay_g2' }), [extraRefunded(49_900)]],
    ['of a top-up is refunded whole too (the wallet was credited once)',
      [{ type: 'PaymentInitiated', data: { ...base, purpose: 'topup', appointmentId: null, method: 'razorpay', walletPaise: 0, gatewayPaise: 50_000 } },
        ordered(50_000), captured(50_000, 0)] as PaymentEvent[], second, [extraRefunded(50_000)]],
    ['reported again (redelivery, verify after webhook) changes nothing', [...paid, extraRefunded(50_000)], { ...second, via: 'verify' as const }, []],
    ['followed by a third: each is refunded on its own', [...paid, extraRefunded(50_000)], gatewayCapture(50_000, { gatewayPaymentId: 'pay_g3' }),
      [extraRefunded(50_000, 'pay_g3')]],
  ])('a second gateway payment on a paid order %s', (_, history, when, then) => expect(capturePayment(given(history), when)).toEqual(then));

  it('a second gateway payment never counts against what the first can be refunded', () => {
    const history = [...paid, extraRefunded(50_000)];
    expect(issueRefund(given(history), { refundId: 'r1', amountPaise: 50_000, destination: 'source', reason: 'cancellation' }))
      .toEqual([refunded('r1', 50_000, 50_000, 0, 'source')]);
    expect(refundUnusedCapture(given(history), 'late-1', 'late_capture')).toEqual([refunded('late-1', 50_000, 50_000, 0, 'source', 'late_capture')]);
  });

  it('refuses a second gateway payment of another amount (suspicious, not refunded blindly)', () => {
    expect(() => capturePayment(given(paid), { ...second, gatewayPaise: 49_000 })).toThrow(PaymentMismatch);
  });

  it.each([
    ['another amount', gatewayCapture(49_000)],
    ['another order', gatewayCapture(50_000, { orderId: 'order_x' })],
    ['no order', gatewayCapture(50_000, { orderId: null })],
  ])('refuses a report with %s', (_, when) => {
    expect(() => capturePayment(given([initiated('razorpay', 0), ordered(50_000)]), when)).toThrow(PaymentMismatch);
  });

  it('refuses a mismatching report even after capture (it is suspicious, not a duplicate)', () => {
    expect(() => capturePayment(given([initiated('razorpay', 0), ordered(50_000), captured(50_000, 0)]), gatewayCapture(1))).toThrow(PaymentMismatch);
  });
});

describe('failing', () => {
  it.each([
    ['an open payment fails', [initiated('razorpay', 0), ordered(50_000)], [failed]],
    ['a captured payment never goes back to failed', [initiated('razorpay', 0), ordered(50_000), captured(50_000, 0)], []],
    ['a failed payment stays failed once', [initiated('razorpay', 0), ordered(50_000), failed], []],
  ])('%s', (_, history, then) => {
    expect(failPayment(given(history), { gatewayPaymentId: 'pay_g1', reason: 'card declined' })).toEqual(then);
  });
});

describe('refunding', () => {
  const hybridPaid = [initiated('hybrid', 10_000), ordered(40_000), captured(40_000, 10_000)];

  it.each([
    ['a cancellation to the source splits a hybrid by part', hybridPaid, { refundId: 'r1', amountPaise: 50_000, destination: 'source' as const },
      [refunded('r1', 50_000, 40_000, 10_000, 'source')]],
    ['a partial refund to the source takes the gateway part first', hybridPaid, { refundId: 'r1', amountPaise: 25_000, destination: 'source' as const },
      [refunded('r1', 25_000, 25_000, 0, 'source')]],
    ['a refund to the wallet goes wholly to the wallet', hybridPaid, { refundId: 'r1', amountPaise: 50_000, destination: 'wallet' as const },
      [refunded('r1', 50_000, 0, 50_000, 'wallet')]],
    ['a wallet payment refunded to its source goes back to the wallet', [initiated('wallet', 50_000), captured(0, 50_000, 'wallet')],
      { refundId: 'r1', amountPaise: 50_000, destination: 'source' as const }, [refunded('r1', 50_000, 0, 50_000, 'source')]],
    ['the same refund again (no-op)', [...hybridPaid, refunded('r1', 50_000, 40_000, 10_000, 'source')],
      { refundId: 'r1', amountPaise: 50_000, destination: 'source' as const }, []],
  ])('%s', (_, history, when, then) => {
    expect(issueRefund(given(history), { ...when, reason: 'cancellation' })).toEqual(then);
  });

  it.each([
    ['more than was paid', hybridPaid, 50_001],
    ['a second refund beyond what is left', [...hybridPaid, refunded('r0', 30_000, 30_000, 0, 'source')], 20_001],
    ['a payment that was never captured', [initiated('razorpay', 0), ordered(50_000)], 100],
  ])('refuses %s', (_, history, amountPaise) => {
    expect(() => issueRefund(given(history), { refundId: 'r1', amountPaise, destination: 'source', reason: 'cancellation' })).toThrow(Conflict);
  });

  it('gives a late capture back in full, each part to where it came from, once', () => {
    const events = refundUnusedCapture(given(hybridPaid), 'late-1', 'late_capture');
    expect(events).toEqual([refunded('late-1', 50_000, 40_000, 10_000, 'source', 'late_capture')]);
    expect(refundUnusedCapture(given([...hybridPaid, ...events]), 'late-2', 'late_capture')).toEqual([]);
  });

  it('gives a duplicate payment back in full under its own reason, and only one whole refund ever', () => {
    const events = refundUnusedCapture(given(hybridPaid), 'late-1', 'duplicate_payment');
    expect(events).toEqual([refunded('late-1', 50_000, 40_000, 10_000, 'source', 'duplicate_payment')]);
    expect(refundUnusedCapture(given([...hybridPaid, ...events]), 'late-2', 'late_capture')).toEqual([]);
  });

  it('gives back only the gateway part of a late hybrid whose wallet part had lapsed', () => {
    expect(refundUnusedCapture(given([initiated('hybrid', 10_000), ordered(40_000), captured(40_000, 0)]), 'late-1', 'late_capture'))
      .toEqual([refunded('late-1', 40_000, 40_000, 0, 'source', 'late_capture')]);
  });
});

describe('carrying out a refund', () => {
  const paid = [initiated('razorpay', 0), ordered(50_000), captured(50_000, 0)];
  const issued = [...paid, refunded('r1', 50_000, 50_000, 0, 'source')];
  const at = '2030-01-07T04:00:00.000Z';
  const refusal = 'The payment gateway refused to issue the refund: the payment has been fully refunded already.';
  const refundFailed = (refundId = 'r1'): PaymentEvent => ({ type: 'RefundFailed', data: { paymentId, refundId, reason: refusal, at } });
  const retryRequested = (refundId = 'r1'): PaymentEvent => ({ type: 'RefundRetryRequested', data: { paymentId, refundId, at } });
  const refundCompleted = (refundId = 'r1', gatewayRefundId: string | null = 'rfnd_1'): PaymentEvent =>
    ({ type: 'RefundCompleted', data: { paymentId, refundId, gatewayRefundId, at } });
  const statusOf = (history: PaymentEvent[], refundId = 'r1') => (given(history) as PaymentRecord).refundStatus[refundId];

  it.each([
    ['an issued refund is pending', issued, 'pending'],
    ['a refund the gateway refused is failed', [...issued, refundFailed()], 'failed'],
    ['a failed refund an admin asked to retry is retrying', [...issued, refundFailed(), retryRequested()], 'retrying'],
    ['a refund whose money moved is completed', [...issued, refundCompleted()], 'completed'],
    ['a retried refund that went through is completed', [...issued, refundFailed(), retryRequested(), refundCompleted()], 'completed'],
    ['a second gateway payment given back is a pending refund of its own', [...paid, extraRefunded(50_000)], 'pending'],
  ])('%s', (_, history, status) => {
    const refundId = history.at(-1)?.type === 'ExtraCaptureRefunded' ? 'extra:pay_g2' : 'r1';
    expect(statusOf(history, refundId)).toBe(status);
  });

  it.each([
    ['a pending refund the gateway refuses', issued, [refundFailed()]],
    ['a retried refund the gateway refuses again', [...issued, refundFailed(), retryRequested()], [refundFailed()]],
    ['the same refusal reported twice (no-op)', [...issued, refundFailed()], []],
    ['a refusal after the money moved (stale, no-op)', [...issued, refundCompleted()], []],
  ])('%s', (_, history, then) => {
    expect(failRefund(given(history), { refundId: 'r1', reason: refusal, at })).toEqual(then);
  });

  it.each([
    ['a pending refund', issued, [refundCompleted()]],
    ['a retried refund', [...issued, refundFailed(), retryRequested()], [refundCompleted()]],
    ['a completed refund again (no-op: never twice)', [...issued, refundCompleted()], []],
  ])('completes %s', (_, history, then) => {
    expect(completeRefund(given(history), { refundId: 'r1', gatewayRefundId: 'rfnd_1', at })).toEqual(then);
  });

  it.each([
    ['a failed refund can be retried', [...issued, refundFailed()], [retryRequested()]],
    ['a retry asked for twice is asked once', [...issued, refundFailed(), retryRequested()], []],
  ])('%s', (_, history, then) => {
    expect(requestRefundRetry(given(history), { refundId: 'r1', at })).toEqual(then);
  });

  it.each([
    ['a pending refund', issued, RefundNotFailed],
    ['a completed refund', [...issued, refundCompleted()], RefundNotFailed],
    ['an unknown refund', paid, NotFound],
  ])('refuses to retry %s', (_, history, error) => {
    expect(() => requestRefundRetry(given(history), { refundId: 'r1', at })).toThrow(error);
  });

  it.each([
    ['an issued refund to the source: its gateway part through the captured gateway payment', issued, 'r1',
      { refundId: 'r1', gatewayPaymentId: 'pay_g1', toSourcePaise: 50_000, toWalletPaise: 0, reason: 'cancellation' }],
    ['a hybrid refund: the gateway part and the wallet part', [initiated('hybrid', 10_000), ordered(40_000), captured(40_000, 10_000),
      refunded('r1', 50_000, 40_000, 10_000, 'source')], 'r1',
    { refundId: 'r1', gatewayPaymentId: 'pay_g1', toSourcePaise: 40_000, toWalletPaise: 10_000, reason: 'cancellation' }],
    ['a second gateway payment: wholly back through that payment', [...paid, extraRefunded(50_000)], 'extra:pay_g2',
      { refundId: 'extra:pay_g2', gatewayPaymentId: 'pay_g2', toSourcePaise: 50_000, toWalletPaise: 0, reason: 'extra_capture' }],
    ['an unknown refund: nothing', paid, 'r9', null],
  ])('moves %s', (_, history, refundId, then) => {
    expect(refundToCarryOut(given(history) as PaymentRecord, refundId)).toEqual(then);
  });
});
