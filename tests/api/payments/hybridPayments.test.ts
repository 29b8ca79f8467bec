import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { projected } from '../../support/booking.js';
import { untilQuiet } from '../../support/polling.js';
import {
  appointmentStatus, bearer, checkout, eventTypes, eventually, expireHold, FEE, hold, initiate, paymentsWorld, simulator, topUp, wallet,
  type PaymentsWorld,
} from './paymentsFixture.js';

const WALLET_PART = 20_000;
const GATEWAY_PART = FEE - WALLET_PART;

describe('paying for an appointment partly from the wallet (hybrid)', () => {
  let w: PaymentsWorld;
  afterEach(async () => { await w.close(); });

  async function started() {
    await topUp(w, 100_000);
    const appointmentId = await hold(w);
    const res = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: WALLET_PART });
    return { appointmentId, paymentId: res.body.paymentId as string, orderId: res.body.razorpay.orderId as string, body: res.body };
  }

  it('reserves the wallet part, orders the rest, and captures both together', async () => {
    w = await paymentsWorld();
    const { appointmentId, orderId, body } = await started();
    expect(body).toMatchObject({ status: 'created', razorpay: { orderId, amountPaise: GATEWAY_PART, currency: 'INR' } });
    expect(await wallet(w)).toEqual({ balancePaise: 100_000, reservedPaise: WALLET_PART, availablePaise: 100_000 - WALLET_PART });

    const ledger = async () => (await request(w.t.http).get('/api/wallet/transactions').set(bearer(w.patient)).expect(200)).body.items
      .map((i: { kind: string; amountPaise: number }) => [i.kind, i.amountPaise]);
    expect(await ledger()).toEqual([['reservation', WALLET_PART], ['credit', 100_000]]);

    const proof = await checkout(w, orderId, 'success');
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    expect(await ledger()).toEqual([['debit', WALLET_PART], ['credit', 100_000]]);
    expect(await wallet(w)).toEqual({ balancePaise: 100_000 - WALLET_PART, reservedPaise: 0, availablePaise: 100_000 - WALLET_PART });
    const appointment = await request(w.t.http).get(`/api/appointments/${appointmentId}`).set(bearer(w.patient)).expect(200);
    expect(appointment.body.payment).toMatchObject({ method: 'hybrid', paidPaise: FEE });
  });

  it('may leave as little as one paisa to the gateway', async () => {
    w = await paymentsWorld();
    await topUp(w, 100_000);
    const appointmentId = await hold(w);
    const res = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: FEE - 1 });
    expect(res.body.razorpay.amountPaise).toBe(1);
    await request(w.t.http).post('/api/payments/verify').send(await checkout(w, res.body.razorpay.orderId, 'success', false)).expect(200);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    expect(await wallet(w)).toEqual({ balancePaise: 100_000 - FEE + 1, reservedPaise: 0, availablePaise: 100_000 - FEE + 1 });
  });

  it('a second attempt on other terms takes over from the first: the earlier wallet part is given back at once, never held twice', async () => {
    w = await paymentsWorld();
    const { appointmentId } = await started();
    const second = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: 10_000 });
    expect((await wallet(w)).reservedPaise).toBe(10_000);
    await request(w.t.http).post('/api/payments/verify').send(await checkout(w, second.body.razorpay.orderId, 'success', false)).expect(200);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    await eventually(async () => expect(await wallet(w)).toEqual({ balancePaise: 90_000, reservedPaise: 0, availablePaise: 90_000 }));
  });

  it.each([[0], [FEE], [FEE + 1]])('refuses a wallet part of %p paise', async (walletAmountPaise) => {
    w = await paymentsWorld();
    await topUp(w, 100_000);
    const appointmentId = await hold(w);
    await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise }, 400);
    expect((await wallet(w)).reservedPaise).toBe(0);
  });

  it('judges the terms before the funds: a wallet part of the whole fee is 400 even with an empty wallet', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    const res = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: FEE }, 400);
    expect(res.body.code).toBe('invalid_wallet_amount');
  });

  it('answers 402 when the wallet cannot cover its part, and nothing changes', async () => {
    w = await paymentsWorld();
    await topUp(w, WALLET_PART - 1);
    const appointmentId = await hold(w);
    const before = await w.t.services.events.headPosition();
    const res = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: WALLET_PART }, 402);
    expect(res.body.code).toBe('insufficient_funds');
    expect(await w.t.services.events.headPosition()).toBe(before);
  });

  it('a declined card keeps the wallet part reserved; the second attempt on the same order captures both parts', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await started();
    await checkout(w, orderId, 'failure');
    await eventually(async () => expect(await eventTypes(w.t, `payment-${paymentId}`)).toContain('PaymentFailed'));
    await projected(w.t);
    expect(await wallet(w)).toEqual({ balancePaise: 100_000, reservedPaise: WALLET_PART, availablePaise: 100_000 - WALLET_PART });
    // Asking again for the same appointment and terms hands back the open order, not a second one.
    const again = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: WALLET_PART });
    expect(again.body).toMatchObject({ paymentId, razorpay: { orderId } });

    await request(w.t.http).post('/api/payments/verify').send(await checkout(w, orderId, 'success')).expect(200);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    await projected(w.t);
    expect(await wallet(w)).toEqual({ balancePaise: 100_000 - WALLET_PART, reservedPaise: 0, availablePaise: 100_000 - WALLET_PART });
    const events = await w.t.services.events.readStream(`payment-${paymentId}`);
    expect(events.filter((e) => e.type === 'PaymentCaptured').map((e) => e.data)).toEqual([
      expect.objectContaining({ gatewayPaise: GATEWAY_PART, walletPaise: WALLET_PART }),
    ]);
    expect(events.some((e) => e.type === 'RefundIssued')).toBe(false);
  });

  it('after a declined card the patient may pay from the wallet instead: the new payment takes over the reserved part', async () => {
    w = await paymentsWorld();
    await topUp(w, FEE);
    const appointmentId = await hold(w);
    const first = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: 34_000 });
    await checkout(w, first.body.razorpay.orderId, 'failure');
    await eventually(async () => expect(await eventTypes(w.t, `payment-${first.body.paymentId}`)).toContain('PaymentFailed'));
    expect((await wallet(w)).reservedPaise).toBe(34_000);
    const paid = await initiate(w, { appointmentId, method: 'wallet' });
    expect(paid.body.status).toBe('captured');
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    await projected(w.t);
    expect(await wallet(w)).toEqual({ balancePaise: 0, reservedPaise: 0, availablePaise: 0 });
  });

  it('a new payment that the wallet cannot cover even with the earlier attempt\'s part answers 402 and keeps that part', async () => {
    w = await paymentsWorld();
    await topUp(w, FEE - 1);
    const appointmentId = await hold(w);
    const first = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: 20_000 });
    await checkout(w, first.body.razorpay.orderId, 'failure');
    await eventually(async () => expect(await eventTypes(w.t, `payment-${first.body.paymentId}`)).toContain('PaymentFailed'));
    await untilQuiet(w.t.services.events);
    const head = await w.t.services.events.headPosition();
    expect((await initiate(w, { appointmentId, method: 'wallet' }, 402)).body.code).toBe('insufficient_funds');
    expect(await w.t.services.events.headPosition()).toBe(head);
    expect((await wallet(w)).reservedPaise).toBe(20_000);
  });

  it('an expired hold releases the reservation; a late gateway capture is then refunded to its source', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await started();
    await expireHold(w, appointmentId);
    await eventually(async () => expect(await wallet(w)).toEqual({ balancePaise: 100_000, reservedPaise: 0, availablePaise: 100_000 }));

    const proof = await checkout(w, orderId, 'success');
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    await eventually(async () => expect((await simulator(w.t).fetchPayment(proof.razorpay_payment_id)).status).toBe('refunded'));
    const events = await w.t.services.events.readStream(`payment-${paymentId}`);
    expect(events.filter((e) => e.type === 'PaymentCaptured').map((e) => e.data)).toEqual([
      expect.objectContaining({ gatewayPaise: GATEWAY_PART, walletPaise: 0 }),
    ]);
    expect(events.filter((e) => e.type === 'RefundIssued').map((e) => e.data)).toEqual([
      expect.objectContaining({ reason: 'late_capture', toSourcePaise: GATEWAY_PART, toWalletPaise: 0 }),
    ]);
    expect(await wallet(w)).toEqual({ balancePaise: 100_000, reservedPaise: 0, availablePaise: 100_000 });
    expect(await appointmentStatus(w, appointmentId)).toBe('expired');
  });

  it('a cancellation refunds each part to where it came from', async () => {
    w = await paymentsWorld();
    const { appointmentId, orderId } = await started();
    const proof = await checkout(w, orderId, 'success', false);
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    const cancelled = await request(w.t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(w.doctor)).send({}).expect(200);
    expect(cancelled.body.refund).toEqual({ amountPaise: FEE, destination: 'source' });
    await eventually(async () => expect((await wallet(w)).balancePaise).toBe(100_000));
    await eventually(async () => expect((await simulator(w.t).fetchPayment(proof.razorpay_payment_id)).status).toBe('refunded'));
  });
});
