import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DomainError } from '../../../src/domain/shared/errors.js';
import { untilQuiet } from '../../support/polling.js';
import {
  appointmentStatus, bearer, checkout, eventTypes, eventually, hold, initiate, paymentsWorld, simulator, topUp, wallet,
  type PaymentsWorld,
} from './paymentsFixture.js';

const down = () => new DomainError('unavailable', 'gateway_unavailable', 'The payment gateway could not answer; please retry.');

describe('when the gateway fails', () => {
  let w: PaymentsWorld;
  afterEach(async () => { await w.close(); });

  it('an order that cannot be created answers 503 and holds no wallet funds', async () => {
    w = await paymentsWorld();
    await topUp(w, 100_000);
    const appointmentId = await hold(w);
    const sim = simulator(w.t);
    sim.createOrder = async () => { throw down(); };
    const res = await initiate(w, { appointmentId, method: 'hybrid', walletAmountPaise: 20_000 }, 503);
    expect(res.body.code).toBe('gateway_unavailable');
    await eventually(async () => expect(await wallet(w)).toEqual({ balancePaise: 100_000, reservedPaise: 0, availablePaise: 100_000 }));
    expect(await appointmentStatus(w, appointmentId)).toBe('pending_payment');
  });

  it('an old checkout proof of a payment refunded since (from the dashboard) buys nothing', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    const started = await initiate(w, { appointmentId, method: 'razorpay' });
    // Paid at the gateway, but neither the browser's proof nor the webhook reached us; then refunded there.
    const proof = await checkout(w, started.body.razorpay.orderId, 'success', false);
    await simulator(w.t).refund(proof.razorpay_payment_id, started.body.razorpay.amountPaise, 'dashboard-refund');
    const res = await request(w.t.http).post('/api/payments/verify').send(proof).expect(409);
    expect(res.body.code).toBe('payment_not_captured');
    expect(await appointmentStatus(w, appointmentId)).toBe('pending_payment');
    expect(await eventTypes(w.t, `payment-${started.body.paymentId}`)).not.toContain('PaymentCaptured');
  });

  it('the proof of a payment we captured still answers 200 after it was refunded', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    const started = await initiate(w, { appointmentId, method: 'razorpay' });
    const proof = await checkout(w, started.body.razorpay.orderId, 'success', false);
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    await request(w.t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(w.doctor)).send({}).expect(200);
    await eventually(async () => expect((await simulator(w.t).fetchPayment(proof.razorpay_payment_id)).status).toBe('refunded'));
    await untilQuiet(w.t.services.events);
    const head = await w.t.services.events.headPosition();
    expect((await request(w.t.http).post('/api/payments/verify').send(proof).expect(200)).body).toMatchObject({ status: 'captured', appointmentId });
    expect(await w.t.services.events.headPosition()).toBe(head);
  });

  it('a refund whose answer was lost is retried with the same idempotency key and pays once', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    const started = await initiate(w, { appointmentId, method: 'razorpay' });
    const proof = await checkout(w, started.body.razorpay.orderId, 'success', false);
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);

    const sim = simulator(w.t);
    const original = sim.refund.bind(sim);
    const keys: string[] = [];
    sim.refund = async (gatewayPaymentId, amountPaise, idempotencyKey) => {
      keys.push(idempotencyKey);
      const refund = await original(gatewayPaymentId, amountPaise, idempotencyKey);
      // The gateway refunded, but its answer never reached us.
      if (keys.length === 1) throw down();
      return refund;
    };
    await request(w.t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(w.doctor)).send({}).expect(200);
    await eventually(async () => expect(keys.length).toBeGreaterThanOrEqual(2));
    expect(new Set(keys).size).toBe(1);
    expect((await sim.fetchPayment(proof.razorpay_payment_id)).status).toBe('refunded');
    // A second refund under another key would exceed the capture; the gateway was asked for one only.
    await expect(original(proof.razorpay_payment_id, 1, 'another-key')).rejects.toThrow('exceeds');
    expect((await eventTypes(w.t, `payment-${started.body.paymentId}`)).filter((t) => t === 'RefundIssued')).toHaveLength(1);
  });
});
