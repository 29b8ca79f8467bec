import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  appointmentStatus, bearer, checkout, eventTypes, eventually, expireHold, FEE, hold, initiate, paymentsWorld, simulator, topUp,
  type PaymentsWorld,
} from './paymentsFixture.js';

describe('paying for an appointment through Razorpay (simulated)', () => {
  let w: PaymentsWorld;
  afterEach(async () => { await w.close(); });

  async function ordered() {
    const appointmentId = await hold(w);
    const res = await initiate(w, { appointmentId, method: 'razorpay' });
    return { appointmentId, paymentId: res.body.paymentId as string, orderId: res.body.razorpay.orderId as string, body: res.body };
  }

  it('creates an order for the fee, then checkout + verify confirm the booking', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId, body } = await ordered();
    expect(body).toEqual({ paymentId, status: 'created', razorpay: { orderId, amountPaise: FEE, currency: 'INR', keyId: expect.any(String) } });

    const proof = await checkout(w, orderId, 'success');
    const verified = await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    expect(verified.body).toEqual({ status: 'captured', appointmentId, settlement: 'confirmed' });
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');

    // The webhook the simulator sent as well changes nothing more.
    await simulator(w.t).idle();
    await eventually(async () => {
      const processed = await w.t.services.reads.find('reactor_receipts', {});
      expect(processed.some((r) => r.id.startsWith('payments-webhook-inbox:'))).toBe(true);
    });
    expect((await eventTypes(w.t, `payment-${paymentId}`)).filter((t) => t === 'PaymentCaptured')).toHaveLength(1);
  });

  it('a failed checkout marks the payment failed and leaves the appointment awaiting payment', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    const result = await checkout(w, orderId, 'failure');
    expect(result.error).toMatchObject({ reason: 'payment_failed', metadata: { order_id: orderId } });
    await eventually(async () => expect(await eventTypes(w.t, `payment-${paymentId}`)).toContain('PaymentFailed'));
    expect(await appointmentStatus(w, appointmentId)).toBe('pending_payment');
  });

  it('a declined card then a second attempt: asking again reuses the open order, and the second attempt confirms', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    await checkout(w, orderId, 'failure');
    await eventually(async () => expect(await eventTypes(w.t, `payment-${paymentId}`)).toContain('PaymentFailed'));
    const again = await initiate(w, { appointmentId, method: 'razorpay' });
    const keyed = await request(w.t.http).post('/api/payments/initiate').set(bearer(w.patient)).set('Idempotency-Key', 'second-try')
      .send({ appointmentId, method: 'razorpay' }).expect(201);
    for (const answer of [again.body, keyed.body]) expect(answer).toMatchObject({ paymentId, status: 'created', razorpay: { orderId, amountPaise: FEE } });
    await request(w.t.http).post('/api/payments/verify').send(await checkout(w, orderId, 'success')).expect(200);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    expect(simulator(w.t).totals()).toMatchObject({ capturedPaise: FEE, refundedPaise: 0 });
  });

  it('a payment for an appointment another payment already bought is refunded as a duplicate, and the e-mail says so', async () => {
    w = await paymentsWorld();
    await topUp(w, FEE);
    const { appointmentId, paymentId, orderId } = await ordered();
    // Paid from the wallet meanwhile (another tab), then the card checkout completes too.
    expect((await initiate(w, { appointmentId, method: 'wallet' })).body.status).toBe('captured');
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    const proof = await checkout(w, orderId, 'success', false);
    const verified = await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    expect(verified.body).toEqual({ status: 'captured', appointmentId, settlement: 'refunded', refundReason: 'duplicate_payment' });
    await eventually(async () => expect((await simulator(w.t).fetchPayment(proof.razorpay_payment_id)).status).toBe('refunded'));
    const refund = (await w.t.services.events.readStream(`payment-${paymentId}`)).find((e) => e.type === 'RefundIssued');
    expect(refund?.data).toMatchObject({ reason: 'duplicate_payment', amountPaise: FEE, toSourcePaise: FEE });
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    await eventually(() => {
      const refunded = w.t.services.devMailbox!.list(w.patient.email).filter((m) => m.subject === 'Your payment was refunded');
      expect(refunded).toHaveLength(1);
      expect(refunded[0].text).toContain('another payment had already paid');
      expect(refunded[0].text).not.toContain('hold had lapsed');
    });
  });

  it('the amount comes from the appointment, never from the client', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    await initiate(w, { appointmentId, method: 'razorpay', amountPaise: 1 }, 400);
  });

  it('only the appointment\'s patient may pay for it', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    const { givenUser } = await import('../../support/identity.js');
    const stranger = await givenUser(w.t, { role: 'patient' });
    await request(w.t.http).post('/api/payments/initiate').set(bearer(stranger)).send({ appointmentId, method: 'razorpay' }).expect(404);
    await request(w.t.http).post('/api/payments/initiate').set(bearer(w.doctor)).send({ appointmentId, method: 'razorpay' }).expect(403);
  });

  it('a tampered signature is refused with 400 and nothing changes', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    const proof = await checkout(w, orderId, 'success', false);
    const before = await w.t.services.events.headPosition();
    const flipped = proof.razorpay_signature.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    const res = await request(w.t.http).post('/api/payments/verify').send({ ...proof, razorpay_signature: flipped }).expect(400);
    expect(res.body.code).toBe('bad_signature');
    expect(await w.t.services.events.headPosition()).toBe(before);
    expect(await eventTypes(w.t, `payment-${paymentId}`)).toEqual(['PaymentInitiated', 'GatewayOrderCreated']);
    expect(await appointmentStatus(w, appointmentId)).toBe('pending_payment');

    // A webhook signed with the wrong secret is refused the same way.
    const hook = simulator(w.t).webhook('payment.captured', proof.razorpay_payment_id);
    await request(w.t.http).post('/api/payments/webhook').set({ ...hook.headers, 'x-razorpay-signature': 'ab'.repeat(32) }).send(hook.rawBody).expect(400);
    expect(await w.t.services.events.headPosition()).toBe(before);
  });

  it('a webhook whose amount differs from the order is refused; the genuine one still captures once', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    const proof = await checkout(w, orderId, 'success', false);
    const genuine = simulator(w.t).webhook('payment.captured', proof.razorpay_payment_id);
    const forged = JSON.parse(genuine.rawBody);
    forged.payload.payment.entity.amount = 100;
    const rawBody = JSON.stringify(forged);
    const { webhookSignature } = await import('../../../src/application/payments/gatewaySignature.js');
    await request(w.t.http).post('/api/payments/webhook')
      .set({ 'content-type': 'application/json', 'x-razorpay-event-id': 'evt_forged', 'x-razorpay-signature': webhookSignature(rawBody, w.t.config.RAZORPAY_WEBHOOK_SECRET) })
      .send(rawBody).expect(200);
    await request(w.t.http).post('/api/payments/webhook').set(genuine.headers).send(genuine.rawBody).expect(200);
    await eventually(async () => expect(await appointmentStatus(w, appointmentId)).toBe('confirmed'));
    const captured = (await w.t.services.events.readStream(`payment-${paymentId}`)).filter((e) => e.type === 'PaymentCaptured');
    expect(captured.map((e) => (e.data as { amountPaise: number }).amountPaise)).toEqual([FEE]);
  });

  it('the same webhook delivered ten times captures once', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    const proof = await checkout(w, orderId, 'success', false);
    const hook = simulator(w.t).webhook('payment.captured', proof.razorpay_payment_id);
    await Promise.all(Array.from({ length: 10 }, () =>
      request(w.t.http).post('/api/payments/webhook').set(hook.headers).send(hook.rawBody).expect(200)));
    await eventually(async () => expect(await appointmentStatus(w, appointmentId)).toBe('confirmed'));
    expect(await eventTypes(w.t, `payment-${paymentId}`)).toEqual(['PaymentInitiated', 'GatewayOrderCreated', 'PaymentCaptured']);
  });

  it('verify and webhook racing capture once', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    const proof = await checkout(w, orderId, 'success', false);
    const hooks = Array.from({ length: 3 }, (_, i) => simulator(w.t).webhook('payment.captured', proof.razorpay_payment_id, `evt_race_${i}`));
    await Promise.all([
      ...hooks.map((h) => request(w.t.http).post('/api/payments/webhook').set(h.headers).send(h.rawBody).expect(200)),
      ...Array.from({ length: 3 }, () => request(w.t.http).post('/api/payments/verify').send(proof).expect(200)),
    ]);
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    await eventually(async () => {
      const processed = await w.t.services.reads.find('reactor_receipts', {});
      expect(processed.filter((r) => r.id.startsWith('payments-webhook-inbox:'))).toHaveLength(3);
    });
    expect((await eventTypes(w.t, `payment-${paymentId}`)).filter((t) => t === 'PaymentCaptured')).toHaveLength(1);
  });

  it('a failure reported after the capture does not undo it (webhooks out of order)', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    const proof = await checkout(w, orderId, 'success', false);
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    const stale = simulator(w.t).webhook('payment.failed', proof.razorpay_payment_id);
    await request(w.t.http).post('/api/payments/webhook').set(stale.headers).send(stale.rawBody).expect(200);
    await eventually(async () => {
      const processed = await w.t.services.reads.find('reactor_receipts', {});
      expect(processed.some((r) => r.id.startsWith('payments-webhook-inbox:'))).toBe(true);
    });
    expect(await eventTypes(w.t, `payment-${paymentId}`)).not.toContain('PaymentFailed');
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
  });

  it('a payment captured after the hold expired is refunded to its source, and the patient is told', async () => {
    w = await paymentsWorld();
    const { appointmentId, paymentId, orderId } = await ordered();
    await expireHold(w, appointmentId);
    expect(await appointmentStatus(w, appointmentId)).toBe('expired');

    const proof = await checkout(w, orderId, 'success', false);
    const verified = await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    expect(verified.body).toEqual({ status: 'captured', appointmentId, settlement: 'refunded', refundReason: 'late_capture' });
    await eventually(async () => {
      expect((await simulator(w.t).fetchPayment(proof.razorpay_payment_id)).status).toBe('refunded');
    });
    const refund = (await w.t.services.events.readStream(`payment-${paymentId}`)).find((e) => e.type === 'RefundIssued');
    expect(refund?.data).toMatchObject({ reason: 'late_capture', amountPaise: FEE, toSourcePaise: FEE, toWalletPaise: 0 });
    expect(await appointmentStatus(w, appointmentId)).toBe('expired');
    await eventually(() => {
      expect(w.t.services.devMailbox?.list(w.patient.email).map((m) => m.subject)).toContain('Your payment was refunded');
    });
  });

  it('an expired hold cannot be paid for', async () => {
    w = await paymentsWorld();
    const appointmentId = await hold(w);
    await expireHold(w, appointmentId);
    const res = await initiate(w, { appointmentId, method: 'razorpay' }, 409);
    expect(res.body.code).toBe('appointment_not_payable');
  });
});
