import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DomainError, Invalid } from '../../../src/domain/shared/errors.js';
import type { MailMessage } from '../../../src/application/ports/mailer.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, checkout, eventTypes, eventually, hold, initiate, paymentsWorld, simulator, type PaymentsWorld } from './paymentsFixture.js';

/** Retries and re-drives in milliseconds, so the test sees a whole failure-and-recovery cycle. */
const quickRetries = { REACTOR_RETRY_ATTEMPTS: '2', REACTOR_RETRY_BASE_DELAY_MS: '1', REACTOR_RETRY_MAX_DELAY_MS: '5', REACTOR_REDRIVE_INTERVAL_MS: '100' };

/** What the Resend adapter throws when Resend refuses a message. */
const mailRefused = () => new DomainError('unprocessable', 'mail_refused', 'Resend did not accept the e-mail: validation_error (422)');

describe('refunds when the gateway refuses one and the mail service refuses all', () => {
  let w: PaymentsWorld;
  let admin: GivenUser;
  let auditor: GivenUser;
  afterEach(async () => { await w.close(); });

  async function paidAppointment(slotIndex: number) {
    const appointmentId = await hold(w, slotIndex);
    const started = await initiate(w, { appointmentId, method: 'razorpay' });
    const proof = await checkout(w, started.body.razorpay.orderId, 'success', false);
    await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
    return { appointmentId, paymentId: started.body.paymentId as string, gatewayPaymentId: proof.razorpay_payment_id as string };
  }

  const refunds = async (status: string, who: GivenUser = admin) =>
    (await request(w.t.http).get('/api/admin/payments/refunds').query({ status }).set(bearer(who)).expect(200)).body.items as Array<Record<string, unknown>>;

  it('refunds the others, shows the refused one to admins with its reason, and an admin retry completes it exactly once', async () => {
    w = await paymentsWorld({ env: quickRetries });
    admin = await givenUser(w.t, { role: 'admin' });
    auditor = await givenUser(w.t, { role: 'auditor' });
    const mailer = w.t.services.mailer;
    const deliver = mailer.send.bind(mailer);
    mailer.send = async () => { throw mailRefused(); };
    const refused = await paidAppointment(0);
    const other = await paidAppointment(1);

    const sim = simulator(w.t);
    const refund = sim.refund.bind(sim);
    const gatewayCalls: string[] = [];
    sim.refund = async (gatewayPaymentId, amountPaise, idempotencyKey) => {
      gatewayCalls.push(idempotencyKey);
      if (gatewayPaymentId === refused.gatewayPaymentId) throw new Invalid('gateway_bad_request', 'The payment gateway refused to issue the refund: the payment is under dispute');
      return refund(gatewayPaymentId, amountPaise, idempotencyKey);
    };

    for (const { appointmentId } of [refused, other]) {
      await request(w.t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(w.doctor)).send({}).expect(200);
    }

    // The other appointment's refund goes through, though the one before it was refused and no e-mail can be sent.
    await eventually(async () => expect((await sim.fetchPayment(other.gatewayPaymentId)).status).toBe('refunded'));
    await eventually(async () => expect(await refunds('completed')).toMatchObject([{ paymentId: other.paymentId, status: 'completed', amountPaise: 50_000 }]));

    // The refused refund is recorded, with the gateway's reason, for admins (and auditors) to see.
    await eventually(async () => expect(await refunds('failed')).toMatchObject([{
      paymentId: refused.paymentId, appointmentId: refused.appointmentId, status: 'failed', toSourcePaise: 50_000,
      failureReason: expect.stringContaining('under dispute'),
    }]));
    expect(await refunds('failed', auditor)).toHaveLength(1);
    await request(w.t.http).get('/api/admin/payments/refunds').set(bearer(w.patient)).expect(403);
    expect(await eventTypes(w.t, `payment-${refused.paymentId}`)).toContain('RefundFailed');

    // The refused e-mails (two confirmations, two cancellations) are parked with their reason, for operators; nothing else is.
    await eventually(async () => expect(await w.t.services.reactors.parked()).toHaveLength(4));
    const parked = (await request(w.t.http).get('/api/admin/reactors/parked').set(bearer(auditor)).expect(200)).body.items as Array<Record<string, unknown>>;
    expect(parked.map((p) => p.reactor)).toEqual(['booking-mail', 'booking-mail', 'booking-mail', 'booking-mail']);
    expect(parked.every((p) => p.kind === 'permanent' && String(p.reason).includes('validation_error'))).toBe(true);
    const metrics = (await request(w.t.http).get('/metrics').expect(200)).text;
    expect(metrics).toContain(`healthvision_reactor_parked_events{reactor="booking-mail"} ${parked.length}`);
    expect(metrics).toContain('healthvision_reactor_parked_events{reactor="payments-refunds"} 0');
    // A parked event is not a failing subscriber: the instance stays ready.
    await request(w.t.http).get('/readyz').expect(200);
    expect(w.t.services.reactors.errors()).toEqual([]);

    // The gateway accepts again; the admin's retry goes to it under the same idempotency key and pays once.
    sim.refund = async (gatewayPaymentId, amountPaise, idempotencyKey) => { gatewayCalls.push(idempotencyKey); return refund(gatewayPaymentId, amountPaise, idempotencyKey); };
    const [failed] = await refunds('failed');
    const retryPath = `/api/admin/payments/${refused.paymentId}/refunds/${encodeURIComponent(String(failed.refundId))}/retry`;
    await request(w.t.http).post(retryPath).set(bearer(w.patient)).send({}).expect(403);
    const retried = await request(w.t.http).post(retryPath).set(bearer(admin)).send({}).expect(202);
    expect(retried.body).toMatchObject({ paymentId: refused.paymentId, refundId: failed.refundId, status: 'retrying' });
    await eventually(async () => expect(await refunds('completed')).toHaveLength(2));
    expect((await sim.fetchPayment(refused.gatewayPaymentId)).status).toBe('refunded');
    await expect(refund(refused.gatewayPaymentId, 1, 'another-key')).rejects.toThrow('exceeds');
    // Refused once, accepted once: both under the refund's own key.
    expect(gatewayCalls.filter((key) => key === failed.refundId)).toHaveLength(2);
    expect((await eventTypes(w.t, `payment-${refused.paymentId}`)).filter((t) => t === 'RefundCompleted')).toHaveLength(1);
    // A second retry of a completed refund is refused rather than paid again.
    expect((await request(w.t.http).post(retryPath).set(bearer(admin)).send({}).expect(409)).body.code).toBe('refund_not_failed');

    // Once the mail service is fixed, an operator's retry sends a parked e-mail and clears it.
    const sent: MailMessage[] = [];
    mailer.send = async (message) => { sent.push(message); return deliver(message); };
    const first = parked[0];
    await request(w.t.http).post(`/api/admin/reactors/parked/${encodeURIComponent(String(first.id))}/retry`).set(bearer(auditor)).send({}).expect(403);
    expect((await request(w.t.http).post(`/api/admin/reactors/parked/${encodeURIComponent(String(first.id))}/retry`)
      .set(bearer(admin)).send({}).expect(200)).body).toEqual({ outcome: 'delivered' });
    expect(sent).toHaveLength(1);
    expect(sent[0].to).toBe(w.patient.email);
    expect(await w.t.services.reactors.parked()).toHaveLength(parked.length - 1);
    await request(w.t.http).post(`/api/admin/reactors/parked/${encodeURIComponent(String(first.id))}/retry`).set(bearer(admin)).send({}).expect(404);
  });
});
