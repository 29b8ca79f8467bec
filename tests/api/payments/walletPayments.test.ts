import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  appointmentStatus, bearer, checkout, eventTypes, eventually, FEE, hold, initiate, paymentsWorld, topUp, wallet,
  type PaymentsWorld,
} from './paymentsFixture.js';

describe('the wallet', () => {
  let w: PaymentsWorld;
  afterEach(async () => { await w.close(); });

  it('starts empty, is topped up through a gateway order, and lists what moved', async () => {
    w = await paymentsWorld();
    expect(await wallet(w)).toEqual({ balancePaise: 0, reservedPaise: 0, availablePaise: 0 });
    await topUp(w, 200_000);
    expect(await wallet(w)).toEqual({ balancePaise: 200_000, reservedPaise: 0, availablePaise: 200_000 });
    const res = await request(w.t.http).get('/api/wallet/transactions').set(bearer(w.patient)).expect(200);
    expect(res.body.items).toEqual([expect.objectContaining({ kind: 'credit', reason: 'topup', amountPaise: 200_000 })]);
  });

  it('a top-up completed by both verify and webhook credits once', async () => {
    w = await paymentsWorld();
    const res = await request(w.t.http).post('/api/wallet/topup').set(bearer(w.patient)).send({ amountPaise: 30_000 }).expect(201);
    const proof = await checkout(w, res.body.razorpay.orderId, 'success');
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    await w.t.services.razorpaySimulator!.idle();
    await eventually(async () => {
      const processed = await w.t.services.reads.find('reactor_receipts', {});
      expect(processed.some((r) => r.id.startsWith('payments-webhook-inbox:'))).toBe(true);
    });
    expect((await eventTypes(w.t, `wallet-${w.patient.userId}`))).toEqual(['WalletCredited']);
    expect((await wallet(w)).balancePaise).toBe(30_000);
  });

  it.each([[0], [99], [1.5], ['100']])('refuses a top-up of %p', async (amountPaise) => {
    w = await paymentsWorld();
    await request(w.t.http).post('/api/wallet/topup').set(bearer(w.patient)).send({ amountPaise }).expect(400);
  });

  it('pages the ledger, twenty lines a page, newest first', async () => {
    w = await paymentsWorld();
    for (let i = 1; i <= 21; i += 1) {
      await w.t.services.wallet.credit({ userId: w.patient.userId, creditId: `gift-${i}`, amountPaise: i * 100, reason: 'refund', paymentId: null },
        { actor: { userId: 'system', role: 'system' }, correlationId: 'test' });
    }
    await eventually(async () => expect((await wallet(w)).balancePaise).toBe(23_100));
    const page = async (n: number) => (await request(w.t.http).get(`/api/wallet/transactions?page=${n}`).set(bearer(w.patient)).expect(200)).body.items;
    const first = await page(1);
    expect(first).toHaveLength(20);
    expect(first[0].amountPaise).toBe(2_100);
    expect((await page(2)).map((i: { amountPaise: number }) => i.amountPaise)).toEqual([100]);
    await request(w.t.http).get('/api/wallet/transactions?page=0').set(bearer(w.patient)).expect(400);
    await request(w.t.http).get('/api/wallet/transactions?size=5').set(bearer(w.patient)).expect(400);
  });

  it('pages by a chosen limit and tells the total, as /api/doctors does', async () => {
    w = await paymentsWorld();
    for (let i = 1; i <= 7; i += 1) {
      await w.t.services.wallet.credit({ userId: w.patient.userId, creditId: `gift-${i}`, amountPaise: i * 100, reason: 'refund', paymentId: null },
        { actor: { userId: 'system', role: 'system' }, correlationId: 'test' });
    }
    await eventually(async () => expect((await wallet(w)).balancePaise).toBe(2_800));
    const page = async (query: string) => (await request(w.t.http).get(`/api/wallet/transactions?${query}`).set(bearer(w.patient)).expect(200)).body;
    expect(await page('page=1')).toMatchObject({ page: 1, total: 7 });
    const third = await page('page=3&limit=3');
    expect(third).toMatchObject({ page: 3, total: 7 });
    expect(third.items.map((i: { amountPaise: number }) => i.amountPaise)).toEqual([100]);
    for (const bad of ['limit=0', 'limit=101', 'limit=two']) {
      await request(w.t.http).get(`/api/wallet/transactions?${bad}`).set(bearer(w.patient)).expect(400);
    }
  });

  it('needs a signed-in user', async () => {
    w = await paymentsWorld();
    await request(w.t.http).get('/api/wallet').expect(401);
  });
});

describe('paying for an appointment from the wallet', () => {
  let w: PaymentsWorld;
  afterEach(async () => { await w.close(); });

  it('captures at once and confirms the booking', async () => {
    w = await paymentsWorld();
    await topUp(w, 80_000);
    const appointmentId = await hold(w);
    const res = await initiate(w, { appointmentId, method: 'wallet' });
    expect(res.body).toEqual({ paymentId: expect.any(String), status: 'captured' });
    expect(await appointmentStatus(w, appointmentId)).toBe('confirmed');
    expect(await wallet(w)).toEqual({ balancePaise: 30_000, reservedPaise: 0, availablePaise: 30_000 });
    const ledger = (await request(w.t.http).get('/api/wallet/transactions').set(bearer(w.patient)).expect(200)).body.items;
    expect(ledger).toEqual([
      expect.objectContaining({ kind: 'debit', amountPaise: FEE, paymentId: res.body.paymentId }),
      expect.objectContaining({ kind: 'credit', reason: 'topup', amountPaise: 80_000 }),
    ]);
  });

  it('answers 402 when the balance is short, and nothing changes', async () => {
    w = await paymentsWorld();
    await topUp(w, FEE - 1);
    const appointmentId = await hold(w);
    const before = await w.t.services.events.headPosition();
    const res = await initiate(w, { appointmentId, method: 'wallet' }, 402);
    expect(res.body.code).toBe('insufficient_funds');
    expect(await w.t.services.events.headPosition()).toBe(before);
    expect(await wallet(w)).toEqual({ balancePaise: FEE - 1, reservedPaise: 0, availablePaise: FEE - 1 });
    expect(await appointmentStatus(w, appointmentId)).toBe('pending_payment');
  });

  it('two appointments racing for the same rupees: only one is paid', async () => {
    w = await paymentsWorld();
    await topUp(w, FEE + 10_000);
    const first = await hold(w, 0);
    const second = await hold(w, 1);
    const answers = await Promise.all([first, second].map((appointmentId) =>
      request(w.t.http).post('/api/payments/initiate').set(bearer(w.patient)).send({ appointmentId, method: 'wallet' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 402]);
    expect(await wallet(w)).toEqual({ balancePaise: 10_000, reservedPaise: 0, availablePaise: 10_000 });
  });

  it('a retried request with the same Idempotency-Key pays once', async () => {
    w = await paymentsWorld();
    await topUp(w, 200_000);
    const appointmentId = await hold(w);
    const send = () => request(w.t.http).post('/api/payments/initiate').set(bearer(w.patient)).set('Idempotency-Key', 'pay-once-1')
      .send({ appointmentId, method: 'wallet' });
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.body).toEqual(first.body);
    expect((await wallet(w)).balancePaise).toBe(200_000 - FEE);
  });

  it('a cancellation refund goes back to the wallet (the doctor cancels: in full)', async () => {
    w = await paymentsWorld();
    await topUp(w, FEE);
    const appointmentId = await hold(w);
    await initiate(w, { appointmentId, method: 'wallet' });
    const cancelled = await request(w.t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(w.doctor)).send({}).expect(200);
    expect(cancelled.body.refund).toEqual({ amountPaise: FEE, destination: 'wallet' });
    await eventually(async () => expect((await wallet(w)).balancePaise).toBe(FEE));
    const ledger = (await request(w.t.http).get('/api/wallet/transactions').set(bearer(w.patient)).expect(200)).body.items;
    expect(ledger[0]).toMatchObject({ kind: 'credit', reason: 'refund', amountPaise: FEE });
  });
});
