import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { checkoutSignature, webhookSignature } from '../../../src/application/payments/gatewaySignature.js';
import { RazorpaySimulator } from '../../../src/infrastructure/payments/razorpaySimulator.js';
import { FakeClock } from '../../support/fakeClock.js';

function simulator() {
  const delivered: Array<{ rawBody: string; headers: Record<string, string> }> = [];
  let failures = 0;
  const sim = new RazorpaySimulator({
    keyId: 'rzp_test_sim', keySecret: 'key-secret', webhookSecret: 'hook-secret', ids: { next: randomUUID }, clock: new FakeClock(),
    retryBaseMs: 1,
  });
  sim.connect({
    async deliver(rawBody, headers) {
      if (failures > 0) { failures -= 1; return 503; }
      delivered.push({ rawBody, headers });
      return 200;
    },
  });
  return { sim, delivered, failNext: (n: number) => { failures = n; } };
}

describe('the local Razorpay simulator', () => {
  it('signs checkouts and webhooks exactly as Razorpay does', async () => {
    const { sim, delivered } = simulator();
    const order = await sim.createOrder({ amountPaise: 50_000, currency: 'INR', receipt: 'p1', notes: { appointmentId: 'a1' } });
    const proof = sim.checkout(order.orderId, 'success');
    if (!('razorpay_signature' in proof)) throw new Error('expected a successful checkout');
    expect(proof.razorpay_signature).toBe(checkoutSignature(order.orderId, proof.razorpay_payment_id, 'key-secret'));
    await sim.idle();
    expect(delivered).toHaveLength(1);
    const hook = delivered[0];
    expect(hook.headers['x-razorpay-signature']).toBe(webhookSignature(hook.rawBody, 'hook-secret'));
    expect(hook.headers['x-razorpay-event-id']).toMatch(/^evt_/);
    expect(JSON.parse(hook.rawBody)).toMatchObject({
      event: 'payment.captured',
      payload: { payment: { entity: { id: proof.razorpay_payment_id, order_id: order.orderId, amount: 50_000, notes: { appointmentId: 'a1' } } } },
    });
  });

  it('retries a webhook the service did not accept', async () => {
    const { sim, delivered, failNext } = simulator();
    const order = await sim.createOrder({ amountPaise: 10_000, currency: 'INR', receipt: 'p1', notes: {} });
    failNext(2);
    sim.checkout(order.orderId, 'failure');
    await sim.idle();
    expect(delivered.map((d) => JSON.parse(d.rawBody).event)).toEqual(['payment.failed']);
  });

  it('refunds once per idempotency key and never more than was captured', async () => {
    const { sim } = simulator();
    const order = await sim.createOrder({ amountPaise: 10_000, currency: 'INR', receipt: 'p1', notes: {} });
    const proof = sim.checkout(order.orderId, 'success', { deliverWebhook: false });
    if (!('razorpay_payment_id' in proof)) throw new Error('expected a successful checkout');
    const first = await sim.refund(proof.razorpay_payment_id, 6_000, 'refund-1');
    expect(await sim.refund(proof.razorpay_payment_id, 6_000, 'refund-1')).toEqual(first);
    await expect(sim.refund(proof.razorpay_payment_id, 6_000, 'refund-2')).rejects.toThrow('exceeds');
    await sim.idle();
  });
});

describe('with Razorpay credentials configured', () => {
  it('the simulator and its checkout route are not there', async () => {
    const { startTestApp } = await import('../../support/testApp.js');
    const request = (await import('supertest')).default;
    const t = await startTestApp({ env: { RAZORPAY_KEY_ID: 'rzp_test_real', RAZORPAY_KEY_SECRET: 'real-secret' } });
    try {
      expect(t.services.razorpaySimulator).toBeNull();
      await request(t.http).post('/api/dev/razorpay/checkout').send({ orderId: 'order_x', outcome: 'success' }).expect(404);
    } finally {
      await t.close();
    }
  });
});
