import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  appointmentStatus, bearer, checkout, eventTypes, eventually, FEE, hold, initiate, paymentsWorld, simulator, type PaymentsWorld,
} from './paymentsFixture.js';

/**
 * One order, two gateway payments. The simulator's checkout refuses a paid order as Razorpay's does,
 * but a real gateway can still take a second payment (a late UPI authorisation, a double submit):
 * the service must give it back in full and keep nothing it cannot use.
 */
describe('a second payment on an order already paid', () => {
  let w: PaymentsWorld;
  afterEach(async () => { await w.close(); });

  async function paidAndConfirmed() {
    const appointmentId = await hold(w);
    const res = await initiate(w, { appointmentId, method: 'razorpay' });
    const paymentId = res.body.paymentId as string;
    const orderId = res.body.razorpay.orderId as string;
    const first = await checkout(w, orderId, 'success', false);
    await request(w.t.http).post('/api/payments/verify').send(first).expect(200);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    return { appointmentId, paymentId, orderId, firstGatewayPaymentId: first.razorpay_payment_id as string };
  }

  async function cancelledByDoctor(appointmentId: string, firstGatewayPaymentId: string) {
    const res = await request(w.t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(w.doctor)).send({}).expect(200);
    expect(res.body.refund).toMatchObject({ amountPaise: FEE });
    await eventually(async () => expect((await simulator(w.t).fetchPayment(firstGatewayPaymentId)).status).toBe('refunded'));
  }

  /** Whatever the patient paid through the gateway, net of refunds. */
  const gatewayNet = () => {
    const { capturedPaise, refundedPaise } = simulator(w.t).totals();
    return capturedPaise - refundedPaise;
  };

  const extraRefunds = async (paymentId: string) =>
    (await w.t.services.events.readStream(`payment-${paymentId}`)).filter((e) => e.type === 'ExtraCaptureRefunded');

  it('the simulator\'s checkout refuses it with a 409 problem, before and after the refund, and takes nothing', async () => {
    w = await paymentsWorld();
    const { appointmentId, orderId, firstGatewayPaymentId } = await paidAndConfirmed();
    const again = await request(w.t.http).post('/api/dev/razorpay/checkout').send({ orderId, outcome: 'success' }).expect(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, code: 'order_already_paid' });

    // The property test's counterexample: paid, cancelled by the doctor (full refund), then checked out again.
    await cancelledByDoctor(appointmentId, firstGatewayPaymentId);
    await request(w.t.http).post('/api/dev/razorpay/checkout').send({ orderId, outcome: 'success' }).expect(409);
    await request(w.t.http).post('/api/dev/razorpay/checkout').send({ orderId, outcome: 'failure' }).expect(409);
    await simulator(w.t).idle();
    expect(simulator(w.t).totals()).toEqual({ capturedPaise: FEE, refundedPaise: FEE });
  });

  it('arriving by webhook after the booking was cancelled and refunded, it is refunded in full, once, and the patient is told', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId, firstGatewayPaymentId } = await paidAndConfirmed();
    await cancelledByDoctor(appointmentId, firstGatewayPaymentId);

    const second = simulator(w.t).checkout(orderId, 'success', { evenIfPaid: true, deliverWebhook: false });
    if (!('razorpay_payment_id' in second)) throw new Error('expected a successful checkout');
    const hook = simulator(w.t).webhook('payment.captured', second.razorpay_payment_id);
    // Redelivered, and re-sent under new event ids: still one refund.
    const resent = simulator(w.t).webhook('payment.captured', second.razorpay_payment_id);
    await Promise.all([hook, hook, resent].map((h) => request(w.t.http).post('/api/payments/webhook').set(h.headers).send(h.rawBody).expect(200)));

    await eventually(async () => expect((await simulator(w.t).fetchPayment(second.razorpay_payment_id)).status).toBe('refunded'));
    // Both distinct deliveries were acted on (the redelivery was dropped at the door).
    const inbox = await Promise.all([hook, resent].map(async (h) =>
      w.t.services.events.readStream(`gateway-webhook-${h.headers['x-razorpay-event-id']}`)));
    expect(inbox.map((stream) => stream.length)).toEqual([1, 1]);
    await eventually(async () => {
      const processed = new Set((await w.t.services.reads.find('reactor_receipts', {})).map((r) => r.id));
      expect(inbox.every(([received]) => processed.has(`payments-webhook-inbox:${received.metadata.eventId}`))).toBe(true);
    });
    expect((await extraRefunds(paymentId)).map((e) => e.data)).toEqual([expect.objectContaining({
      gatewayPaymentId: second.razorpay_payment_id, amountPaise: FEE, via: 'webhook',
    })]);
    expect((await eventTypes(w.t, `payment-${paymentId}`)).filter((t) => t === 'PaymentCaptured')).toHaveLength(1);
    await simulator(w.t).idle();
    expect(gatewayNet()).toBe(0);
    expect(await appointmentStatus(w, appointmentId)).toBe('cancelled');
    await eventually(() => {
      const notices = w.t.services.devMailbox?.list(w.patient.email).filter((m) => m.text.includes('second payment')) ?? [];
      expect(notices).toHaveLength(1);
    });
  });

  it('arriving by verify while the booking stands, it is refunded in full and the booking keeps the first payment', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId, firstGatewayPaymentId } = await paidAndConfirmed();

    const second = simulator(w.t).checkout(orderId, 'success', { evenIfPaid: true, deliverWebhook: false });
    const verified = await request(w.t.http).post('/api/payments/verify').send(second).expect(200);
    expect(verified.body).toEqual({ status: 'captured', appointmentId, settlement: 'refunded', refundReason: 'duplicate_payment' });
    await request(w.t.http).post('/api/payments/verify').send(second).expect(200);

    if (!('razorpay_payment_id' in second)) throw new Error('expected a successful checkout');
    await eventually(async () => expect((await simulator(w.t).fetchPayment(second.razorpay_payment_id)).status).toBe('refunded'));
    expect((await extraRefunds(paymentId)).map((e) => e.data)).toEqual([expect.objectContaining({
      gatewayPaymentId: second.razorpay_payment_id, amountPaise: FEE, via: 'verify',
    })]);
    expect((await simulator(w.t).fetchPayment(firstGatewayPaymentId)).status).toBe('captured');
    await simulator(w.t).idle();
    expect(gatewayNet()).toBe(FEE);
    const view = await request(w.t.http).get(`/api/appointments/${appointmentId}`).set(bearer(w.patient)).expect(200);
    expect(view.body).toMatchObject({ status: 'confirmed', payment: { paymentId, method: 'razorpay', paidPaise: FEE } });
  });
});
