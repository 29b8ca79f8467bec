import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import request, { type Response } from 'supertest';
import { loadConfig } from '../../../src/infrastructure/config.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenSlots, projected } from '../../support/booking.js';
import { DIABETIC_PANEL, labReportPdf, tinyPng } from '../../support/sampleReports.js';
import { eventTypes, eventually } from '../payments/paymentsFixture.js';
import { testLedgerSigningKey } from '../../support/ledgerKeys.js';
import {
  client, connected, givenAppointment, givenDoctorSlots, next, refusal, request as ask, startConsultationServer, user,
} from '../../realtime/consultationFixture.js';

/**
 * The public contract (API.md) as outside clients see it: exact field sets, status codes and the
 * problem+json shape, row by row, for what the feature suites do not already pin. One app, one fake
 * clock (Monday 2030-01-07 09:00 Kolkata); the doctor's slots are on Tuesday 09:00–12:00 Kolkata.
 */
const KEY_SECRET = 'contract-test-key-secret';
const WEBHOOK_SECRET = 'contract-test-webhook-secret';
const FEE = 50_000;

let t: TestApp;
let doctor: GivenUser;
let patient: GivenUser;
let stranger: GivenUser;
let auditor: GivenUser;
let admin: GivenUser;
let slots: string[];

beforeAll(async () => {
  // Tokens outlive the clock's jumps to appointment times.
  t = await startTestApp({ env: { RAZORPAY_KEY_SECRET: KEY_SECRET, RAZORPAY_WEBHOOK_SECRET: WEBHOOK_SECRET, JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
  doctor = await givenUser(t, { role: 'doctor', name: 'Contract Doctor', doctor: { feePaise: FEE, specialization: 'Contract Medicine' } });
  patient = await givenUser(t, { role: 'patient' });
  stranger = await givenUser(t, { role: 'patient' });
  auditor = await givenUser(t, { role: 'auditor' });
  admin = await givenUser(t, { role: 'admin' });
  slots = await givenSlots(t, doctor);
});
afterAll(async () => {
  await t.services.razorpaySimulator?.idle();
  await t.close();
});

const http = () => request(t.http);
const MONDAY_MORNING = '2030-01-07T03:30:00.000Z';

/** Runs `body` with the clock at `at`, then puts it back to the start of the week. */
async function at(instant: string, body: () => Promise<void>): Promise<void> {
  t.clock.set(instant);
  try {
    await body();
  } finally {
    t.clock.set(MONDAY_MORNING);
  }
}

const keys = (value: unknown) => Object.keys(value as object).sort();

/** RFC 9457 as the contract words it: type, title, status, detail (and per-field errors for bad input). */
function expectProblem(res: Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /);
}

const USER_FIELDS = ['avatarUrl', 'email', 'emailVerified', 'id', 'name', 'role'];
const DOCTOR_FIELDS = ['bio', 'experienceYears', 'feePaise', 'specialization', 'timezone'];
const APPOINTMENT_FIELDS = ['appointmentId', 'doctorId', 'end', 'feePaise', 'patientId', 'slotId', 'start', 'status'];

async function mailedCode(to: string): Promise<string> {
  const res = await http().get('/api/dev/mailbox').query({ to }).expect(200);
  const match = /\b(\d{6})\b/.exec(String(res.body.items[0]?.text ?? ''));
  if (!match) throw new Error(`no code mailed to ${to}`);
  return match[1];
}

async function book(who: GivenUser, slotId: string): Promise<Response> {
  const res = await http().post('/api/appointments').set(bearer(who)).send({ slotId });
  await projected(t);
  return res;
}

/** Pays through the gateway simulator the way a browser does: initiate, checkout, verify. */
async function payByGateway(appointmentId: string): Promise<{ initiated: Response; verified: Response }> {
  const initiated = await http().post('/api/payments/initiate').set(bearer(patient)).send({ appointmentId, method: 'razorpay' }).expect(201);
  const proof = await http().post('/api/dev/razorpay/checkout').send({ orderId: initiated.body.razorpay.orderId, outcome: 'success' }).expect(200);
  const verified = await http().post('/api/payments/verify').send(proof.body).expect(200);
  await projected(t);
  return { initiated, verified };
}

describe('errors', () => {
  it.each([
    ['an unknown route', () => http().get('/api/nothing-here'), 404],
    ['no token', () => http().get('/api/wallet'), 401],
    ['a bad token', () => http().get('/api/wallet').set('Authorization', 'Bearer not.a.token'), 401],
    ['the wrong role', () => http().post('/api/appointments').set(bearer(doctor)).send({ slotId: slots[0] }), 403],
    ['malformed JSON', () => http().post('/api/auth/login').set('Content-Type', 'application/json').send('{"email":'), 400],
  ])('%s is a problem+json answer', async (_, call, status) => {
    expectProblem(await call(), status);
  });

  it('the bearer scheme name is case-insensitive', async () => {
    await http().get('/api/wallet').set('Authorization', `bearer ${patient.token}`).expect(200);
    await http().get('/api/wallet').set('Authorization', `BEARER ${patient.token}`).expect(200);
  });

  it('invalid input lists each bad field as { path, message }', async () => {
    const res = await http().post('/api/auth/signup').send({ name: '', email: 'not-an-address', password: 'x', role: 'patient' });
    expectProblem(res, 400);
    expect(res.body.errors.length).toBeGreaterThanOrEqual(3);
    for (const error of res.body.errors) expect(keys(error)).toEqual(['message', 'path']);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['name', 'email', 'password']));
  });
});

describe('auth', () => {
  const email = 'contract.patient@example.com';
  const body = { name: 'Contract Patient', email, password: 'correct horse battery', role: 'patient' };

  it('sign-up → mailbox → verify → login → me, with the contract\'s exact answers', async () => {
    const signUp = await http().post('/api/auth/signup').send(body).expect(201);
    expect(signUp.body).toEqual({ userId: expect.any(String), verificationRequired: true });

    const mailbox = await http().get('/api/dev/mailbox').query({ to: email }).expect(200);
    expect(keys(mailbox.body)).toEqual(['items']);
    expect(mailbox.body.items).toHaveLength(1);
    expect(keys(mailbox.body.items[0])).toEqual(['at', 'subject', 'text', 'to']);
    expect(mailbox.body.items[0]).toMatchObject({ to: email, at: t.clock.now().toISOString() });

    const unverified = await http().post('/api/auth/login').send({ email, password: body.password });
    expectProblem(unverified, 403);
    expect(unverified.body.type).toMatch(/email_not_verified$/);

    const verified = await http().post('/api/auth/verify-otp').send({ email, otp: await mailedCode(email) }).expect(200);
    expect(keys(verified.body)).toEqual(['token', 'user']);
    expect(keys(verified.body.user)).toEqual(USER_FIELDS);
    expect(verified.body.user).toEqual({
      id: signUp.body.userId, name: 'Contract Patient', email, role: 'patient', avatarUrl: null, emailVerified: true,
    });

    const login = await http().post('/api/auth/login').send({ email, password: body.password }).expect(200);
    expect(keys(login.body)).toEqual(['token', 'user']);
    expect(login.body.user).toEqual(verified.body.user);
    const me = await http().get('/api/auth/me').set('Authorization', `Bearer ${login.body.token}`).expect(200);
    expect(me.body).toEqual(verified.body.user);

    expectProblem(await http().post('/api/auth/login').send({ email, password: 'wrong password!' }), 401);
    expectProblem(await http().post('/api/auth/signup').send(body), 409);
  });

  it('a doctor\'s account carries the doctor fields, defaults filled in', async () => {
    const doctorEmail = 'contract.doctor@example.com';
    await http().post('/api/auth/signup')
      .send({ name: 'Dr Contract', email: doctorEmail, password: 'correct horse battery', role: 'doctor', specialization: 'Dermatology', feePaise: 70_000 })
      .expect(201);
    const verified = await http().post('/api/auth/verify-otp').send({ email: doctorEmail, otp: await mailedCode(doctorEmail) }).expect(200);
    expect(keys(verified.body.user)).toEqual([...USER_FIELDS, ...DOCTOR_FIELDS].sort());
    expect(verified.body.user).toMatchObject({ role: 'doctor', specialization: 'Dermatology', feePaise: 70_000 });
  });

  it('a sign-up repeated with its Idempotency-Key answers the first 201 again; another body under that key is 422', async () => {
    const again = { ...body, email: 'contract.retry@example.com' };
    const first = await http().post('/api/auth/signup').set('Idempotency-Key', 'contract-signup-1').send(again).expect(201);
    const repeat = await http().post('/api/auth/signup').set('Idempotency-Key', 'contract-signup-1').send(again).expect(201);
    expect(repeat.body).toEqual(first.body);
    expect((await http().get('/api/dev/mailbox').query({ to: again.email })).body.items).toHaveLength(1);
    expectProblem(await http().post('/api/auth/signup').set('Idempotency-Key', 'contract-signup-1').send({ ...again, name: 'Someone Else' }), 422);
  });

  it('resend-otp and forgot-password answer 202; reset-password 200', async () => {
    await http().post('/api/auth/resend-otp').send({ email }).expect(202);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    t.clock.advanceMinutes(1);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    await http().post('/api/auth/reset-password').send({ email, otp: await mailedCode(email), newPassword: 'a brand new password' }).expect(200);
    await http().post('/api/auth/login').send({ email, password: 'a brand new password' }).expect(200);
  });
});

describe('doctors and slots', () => {
  it('lists doctors as { items, page, total } and answers one doctor with the profile fields', async () => {
    const list = await http().get('/api/doctors').query({ specialization: 'Contract Medicine', page: 1, limit: 5 }).expect(200);
    expect(keys(list.body)).toEqual(['items', 'page', 'total']);
    expect(list.body).toMatchObject({ page: 1, total: 1 });
    const one = await http().get(`/api/doctors/${doctor.userId}`).expect(200);
    expect(list.body.items[0]).toEqual(one.body);
    expect(one.body).toMatchObject({ name: 'Contract Doctor', specialization: 'Contract Medicine', feePaise: FEE });
    expect(keys(one.body)).toEqual(expect.arrayContaining(DOCTOR_FIELDS));
    expectProblem(await http().get('/api/doctors/no-such-doctor'), 404);
  });

  it('empty query parameters read as absent, as a form would send them', async () => {
    await http().get('/api/doctors?specialization=&q=&page=&limit=').expect(200);
    const res = await http().get(`/api/doctors/${doctor.userId}/slots?from=&to=&status=`).expect(200);
    expect(res.body.items.length).toBeGreaterThan(0);
  });

  it('takes ISO-8601 times with an offset, with or without seconds', async () => {
    const withSeconds = await http().get(`/api/doctors/${doctor.userId}/slots`).query({ from: '2030-01-08T00:00:00+05:30', to: '2030-01-09T00:00:00+05:30' }).expect(200);
    const withoutSeconds = await http().get(`/api/doctors/${doctor.userId}/slots`).query({ from: '2030-01-08T00:00+05:30', to: '2030-01-09T00:00+05:30' }).expect(200);
    expect(withoutSeconds.body).toEqual(withSeconds.body);
    expect(withSeconds.body.items.length).toBeGreaterThan(0);
    expectProblem(await http().get(`/api/doctors/${doctor.userId}/slots`).query({ from: '2030-01-08' }), 400);
  });

  it('slots are { slotId, doctorId, start, end, feePaise, status } and move available → held → booked', async () => {
    const slotsOf = async (status?: string) => (await http().get(`/api/doctors/${doctor.userId}/slots`)
      .query({ from: '2030-01-08T00:00:00+05:30', to: '2030-01-09T00:00:00+05:30', ...(status ? { status } : {}) }).expect(200)).body;
    const all = await slotsOf();
    expect(keys(all)).toEqual(['items']);
    expect(all.items).toHaveLength(slots.length);
    expect(keys(all.items[0])).toEqual(['doctorId', 'end', 'feePaise', 'slotId', 'start', 'status']);
    expect(all.items[0]).toEqual({
      slotId: slots[0], doctorId: doctor.userId, start: '2030-01-08T03:30:00.000Z', end: '2030-01-08T04:00:00.000Z', feePaise: FEE, status: 'available',
    });
    expectProblem(await http().get(`/api/doctors/${doctor.userId}/slots`).query({ status: 'free' }), 400);
  });

  it('withdrawing a slot is 204 with no body; a doctor\'s own held slot is 409', async () => {
    const last = slots[slots.length - 1];
    const res = await http().delete(`/api/doctors/me/slots/${encodeURIComponent(last)}`).set(bearer(doctor)).expect(204);
    expect(res.text).toBe('');
    expectProblem(await book(patient, last), 409);
    const held = await book(patient, slots[slots.length - 2]);
    expect(held.status).toBe(201);
    expectProblem(await http().delete(`/api/doctors/me/slots/${encodeURIComponent(slots[slots.length - 2])}`).set(bearer(doctor)), 409);
    const heldSlots = (await http().get(`/api/doctors/${doctor.userId}/slots`).query({ status: 'held' }).expect(200)).body.items;
    expect(heldSlots.map((s: { slotId: string }) => s.slotId)).toEqual([slots[slots.length - 2]]);
    await http().post(`/api/appointments/${held.body.appointmentId}/cancel`).set(bearer(patient)).send({}).expect(200);
  });
});

describe('appointments', () => {
  let appointmentId: string;

  it('booking answers 201 { appointmentId, status, slotId, holdExpiresAt, feePaise }, held for HOLD_TTL_SECONDS (900)', async () => {
    const res = await book(patient, slots[0]);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      appointmentId: expect.any(String), status: 'pending_payment', slotId: slots[0],
      holdExpiresAt: new Date(t.clock.now().getTime() + 900_000).toISOString(), feePaise: FEE,
    });
    appointmentId = res.body.appointmentId;
    expectProblem(await book(stranger, slots[0]), 409);
  });

  it('an unpaid appointment reads with holdExpiresAt and no payment', async () => {
    const res = await http().get(`/api/appointments/${appointmentId}`).set(bearer(patient)).expect(200);
    expect(keys(res.body)).toEqual([...APPOINTMENT_FIELDS, 'holdExpiresAt'].sort());
    expect(res.body).toMatchObject({ appointmentId, patientId: patient.userId, doctorId: doctor.userId, slotId: slots[0], status: 'pending_payment' });
    expectProblem(await http().get(`/api/appointments/${appointmentId}`).set(bearer(stranger)), 404);
  });

  it('paying by gateway: initiate → simulator checkout → verify', async () => {
    const { initiated, verified } = await payByGateway(appointmentId);
    expect(initiated.body).toEqual({
      paymentId: expect.any(String), status: 'created',
      razorpay: { orderId: expect.any(String), amountPaise: FEE, currency: 'INR', keyId: expect.any(String) },
    });
    expect(verified.body).toEqual({ status: 'captured', appointmentId, settlement: 'confirmed' });
  });

  it('a paid appointment reads with payment and without holdExpiresAt', async () => {
    const res = await http().get(`/api/appointments/${appointmentId}`).set(bearer(doctor)).expect(200);
    expect(keys(res.body)).toEqual([...APPOINTMENT_FIELDS, 'payment'].sort());
    expect(res.body).toMatchObject({ status: 'confirmed', payment: { method: 'razorpay', paidPaise: FEE } });
  });

  it('lists own appointments by status for patient and doctor; not a stranger\'s', async () => {
    for (const who of [patient, doctor]) {
      const res = await http().get('/api/appointments').query({ status: 'confirmed' }).set(bearer(who)).expect(200);
      // `page` and `total` were added with paging (issue 12); `items` is as it was.
      expect(keys(res.body)).toEqual(['items', 'page', 'total']);
      expect(res.body.items.map((a: { appointmentId: string }) => a.appointmentId)).toEqual([appointmentId]);
    }
    expect((await http().get('/api/appointments').set(bearer(stranger)).expect(200)).body.items).toEqual([]);
  });

  it('history: its patient, its doctor, auditors and admins get { events } with the metadata fields; others 404', async () => {
    for (const who of [patient, doctor, auditor, admin]) {
      const res = await http().get(`/api/appointments/${appointmentId}/history`).set(bearer(who)).expect(200);
      expect(keys(res.body)).toEqual(['events']);
      expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['AppointmentRequested', 'AppointmentConfirmed']);
      for (const event of res.body.events) {
        expect(keys(event)).toEqual(['data', 'metadata', 'position', 'revision', 'type']);
        expect(keys(event.metadata)).toEqual(['actor', 'at', 'causationId', 'correlationId']);
      }
      expect(res.body.events[0]).toMatchObject({ revision: 0, metadata: { actor: { userId: patient.userId, role: 'patient' } } });
    }
    expectProblem(await http().get(`/api/appointments/${appointmentId}/history`).set(bearer(stranger)), 404);
    const audit = await http().get(`/api/audit/appointments/${appointmentId}/history`).set(bearer(auditor)).expect(200);
    expect(audit.body).toEqual((await http().get(`/api/appointments/${appointmentId}/history`).set(bearer(admin))).body);
  });

  it('the consultation of the appointment starts idle, for its parties only', async () => {
    const res = await http().get(`/api/consultations/${appointmentId}`).set(bearer(patient)).expect(200);
    expect(res.body).toEqual({ appointmentId, status: 'idle', participants: [] });
    expectProblem(await http().get(`/api/consultations/${appointmentId}`).set(bearer(stranger)), 404);
    const ice = await http().get('/api/webrtc/ice-servers').set(bearer(patient)).expect(200);
    expect(keys(ice.body)).toEqual(['iceServers']);
    expect(ice.body.iceServers.length).toBeGreaterThan(0);
    for (const server of ice.body.iceServers) expect(['credential', 'urls', 'username']).toEqual(expect.arrayContaining(keys(server)));
  });

  it('reschedule answers the appointment on its new slot', async () => {
    const res = await http().post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: slots[1] }).expect(200);
    expect(keys(res.body)).toEqual([...APPOINTMENT_FIELDS, 'payment'].sort());
    expect(res.body).toMatchObject({ appointmentId, slotId: slots[1], start: '2030-01-08T04:00:00.000Z', status: 'confirmed' });
  });

  it('complete is for the doctor after the start: 409 before, 200 after; the status never moves back', async () => {
    expectProblem(await http().post(`/api/appointments/${appointmentId}/complete`).set(bearer(doctor)), 409);
    expectProblem(await http().post(`/api/appointments/${appointmentId}/complete`).set(bearer(patient)), 403);
    await at('2030-01-08T04:10:00.000Z', async () => {
      const res = await http().post(`/api/appointments/${appointmentId}/complete`).set(bearer(doctor)).expect(200);
      expect(res.body).toMatchObject({ appointmentId, status: 'completed' });
      expectProblem(await http().post(`/api/appointments/${appointmentId}/no-show`).set(bearer(doctor)), 409);
    });
  });
});

describe('cancellation and no-show', () => {
  it('cancel answers { appointment, refund: { amountPaise, destination } } for a paid one, refund null for an unpaid one', async () => {
    const unpaid = (await book(patient, slots[2])).body.appointmentId as string;
    const cancelledUnpaid = await http().post(`/api/appointments/${unpaid}/cancel`).set(bearer(patient)).send({}).expect(200);
    expect(keys(cancelledUnpaid.body)).toEqual(['appointment', 'refund']);
    expect(cancelledUnpaid.body.refund).toBeNull();
    expect(cancelledUnpaid.body.appointment).toMatchObject({ appointmentId: unpaid, status: 'cancelled' });

    const paid = (await book(patient, slots[2])).body.appointmentId as string;
    const { initiated } = await payByGateway(paid);
    const res = await http().post(`/api/appointments/${paid}/cancel`).set(bearer(patient)).send({ reason: 'travelling' }).expect(200);
    expect(keys(res.body)).toEqual(['appointment', 'refund']);
    expect(keys(res.body.refund)).toEqual(['amountPaise', 'destination']);
    expect(['wallet', 'source']).toContain(res.body.refund.destination);
    expect(res.body.refund.amountPaise).toBeGreaterThan(0);
    expect(res.body.appointment).toMatchObject({ appointmentId: paid, status: 'cancelled' });
    await eventually(async () => expect(await eventTypes(t, `payment-${initiated.body.paymentId}`)).toContain('RefundIssued'));
    expectProblem(await http().post(`/api/appointments/${paid}/cancel`).set(bearer(patient)).send({}), 409);
  });

  it('no-show is the doctor\'s, after the start: status missed and no refund', async () => {
    const appointmentId = (await book(patient, slots[3])).body.appointmentId as string;
    const { initiated } = await payByGateway(appointmentId);
    const before = (await http().get('/api/wallet').set(bearer(patient)).expect(200)).body;
    await at('2030-01-08T05:05:00.000Z', async () => {
      const res = await http().post(`/api/appointments/${appointmentId}/no-show`).set(bearer(doctor)).expect(200);
      expect(res.body).toMatchObject({ appointmentId, status: 'missed' });
    });
    await projected(t);
    expect((await http().get('/api/wallet').set(bearer(patient)).expect(200)).body).toEqual(before);
    expect(await eventTypes(t, `payment-${initiated.body.paymentId}`)).not.toContain('RefundIssued');
  });
});

describe('payments and wallet', () => {
  it('the wallet is { balancePaise, reservedPaise, availablePaise }; transactions { items }', async () => {
    const res = await http().get('/api/wallet').set(bearer(stranger)).expect(200);
    expect(res.body).toEqual({ balancePaise: 0, reservedPaise: 0, availablePaise: 0 });
    const txs = await http().get('/api/wallet/transactions').query({ page: 1 }).set(bearer(stranger)).expect(200);
    expect(txs.body).toEqual({ items: [], page: 1, total: 0 });
  });

  it('paying from a short wallet is 402', async () => {
    const appointmentId = (await book(stranger, slots[4])).body.appointmentId as string;
    expectProblem(await http().post('/api/payments/initiate').set(bearer(stranger)).send({ appointmentId, method: 'wallet' }), 402);
    await http().post(`/api/appointments/${appointmentId}/cancel`).set(bearer(stranger)).send({}).expect(200);
  });

  it('a top-up is an order completed through verify (checkout signed with RAZORPAY_KEY_SECRET); a wallet payment then captures at once', async () => {
    const topUp = await http().post('/api/wallet/topup').set(bearer(stranger)).send({ amountPaise: FEE }).expect(201);
    expect(topUp.body).toEqual({
      paymentId: expect.any(String),
      razorpay: { orderId: expect.any(String), amountPaise: FEE, currency: 'INR', keyId: expect.any(String) },
    });
    const proof = await http().post('/api/dev/razorpay/checkout').send({ orderId: topUp.body.razorpay.orderId, outcome: 'success' }).expect(200);
    expect(keys(proof.body)).toEqual(['razorpay_order_id', 'razorpay_payment_id', 'razorpay_signature']);
    expect(proof.body.razorpay_signature).toBe(createHmac('sha256', KEY_SECRET)
      .update(`${proof.body.razorpay_order_id}|${proof.body.razorpay_payment_id}`).digest('hex'));
    expectProblem(await http().post('/api/payments/verify').send({ ...proof.body, razorpay_signature: '0'.repeat(64) }), 400);
    const verified = await http().post('/api/payments/verify').send(proof.body).expect(200);
    expect(verified.body).toEqual({ status: 'captured', settlement: 'credited' });
    await projected(t);
    expect((await http().get('/api/wallet').set(bearer(stranger)).expect(200)).body).toEqual({ balancePaise: FEE, reservedPaise: 0, availablePaise: FEE });
    expect((await http().get('/api/wallet/transactions').set(bearer(stranger)).expect(200)).body.items).toHaveLength(1);

    const appointmentId = (await book(stranger, slots[4])).body.appointmentId as string;
    const paid = await http().post('/api/payments/initiate').set(bearer(stranger)).send({ appointmentId, method: 'wallet' }).expect(201);
    expect(paid.body).toEqual({ paymentId: expect.any(String), status: 'captured' });
    await projected(t);
    expect((await http().get(`/api/appointments/${appointmentId}`).set(bearer(stranger)).expect(200)).body.status).toBe('confirmed');
    expect((await http().get('/api/wallet').set(bearer(stranger)).expect(200)).body).toEqual({ balancePaise: 0, reservedPaise: 0, availablePaise: 0 });
  });

  it('the webhook answers 200 to a body signed with RAZORPAY_WEBHOOK_SECRET (duplicates too) and 400 to anything else', async () => {
    const raw = JSON.stringify({ entity: 'event', event: 'payment.authorized', payload: {}, created_at: 1 });
    const signed = createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex');
    const send = (signature?: string) => {
      const req = http().post('/api/payments/webhook').set('Content-Type', 'application/json');
      return (signature === undefined ? req : req.set('X-Razorpay-Signature', signature)).send(raw);
    };
    await send(signed).expect(200);
    await send(signed).expect(200);
    expectProblem(await send(), 400);
    expectProblem(await send(createHmac('sha256', 'another secret').update(raw).digest('hex')), 400);
  });
});

describe('reports and chatbot', () => {
  it('upload → 201 { reportId, status: "analyzing" }; list and read with the contract fields; chat while analysing is 409', async () => {
    const upload = await http().post('/api/reports').set(bearer(patient)).attach('file', await labReportPdf(DIABETIC_PANEL), 'labs.pdf')
      .field('title', 'Blood panel').expect(201);
    expect(upload.body).toEqual({ reportId: expect.any(String), status: 'analyzing' });
    const { reportId } = upload.body;

    const list = await http().get('/api/reports').set(bearer(patient)).expect(200);
    expect(keys(list.body)).toEqual(['items']);
    expect(list.body.items).toEqual([expect.objectContaining({
      reportId, title: 'Blood panel', mimeType: 'application/pdf', status: 'analyzing', uploadedAt: t.clock.now().toISOString(),
    })]);

    const one = await http().get(`/api/reports/${reportId}`).set(bearer(patient)).expect(200);
    expect(one.body).toMatchObject({
      reportId, title: 'Blood panel', fileUrl: expect.any(String), mimeType: 'application/pdf', uploadedAt: t.clock.now().toISOString(), status: 'analyzing',
    });
    expect(one.body.analysis).toBeUndefined();

    expectProblem(await http().post(`/api/reports/${reportId}/chat`).set(bearer(patient)).send({ message: 'Is this bad?' }), 409);
    expectProblem(await http().get(`/api/reports/${reportId}`).set(bearer(stranger)), 404);
    expectProblem(await http().post('/api/reports').set(bearer(patient)).field('title', 'nothing attached'), 400);
  });

  it('an upload repeated with its Idempotency-Key answers the first 201 and stores nothing new; another file under that key is 422', async () => {
    const pdf = await labReportPdf(['Haemoglobin 13.5 g/dL']);
    const upload = (bytes: Buffer, key = 'contract-upload-1') => http().post('/api/reports').set(bearer(stranger)).set('Idempotency-Key', key)
      .attach('file', bytes, 'labs.pdf').field('title', 'Retried');
    const first = await upload(pdf).expect(201);
    const repeat = await upload(pdf).expect(201);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect((await http().get('/api/reports').set(bearer(stranger)).expect(200)).body.items).toHaveLength(1);
    expectProblem(await upload(await labReportPdf(['Haemoglobin 9.5 g/dL'])), 422);
    await upload(pdf, 'contract-upload-2').expect(201);
  });

  it('a multipart sign-up repeated with its Idempotency-Key answers the first 201', async () => {
    const signUp = () => http().post('/api/auth/signup').set('Idempotency-Key', 'contract-multipart-signup')
      .field('name', 'Multipart Patient').field('email', 'contract.multipart@example.com').field('password', 'correct horse battery')
      .field('role', 'patient').attach('avatar', tinyPng(), 'me.png');
    const first = await signUp().expect(201);
    expect((await signUp().expect(201)).body).toEqual(first.body);
  });

  it('the chatbot answers { reply, urgency, suggestBooking } to any signed-in user; empty or over 2,000 characters is 400', async () => {
    for (const who of [patient, doctor, auditor]) {
      const res = await http().post('/api/chatbot').set(bearer(who))
        .send({ message: 'I have had a headache for two days', history: [{ role: 'user', content: 'hello' }] }).expect(200);
      expect(keys(res.body)).toEqual(['reply', 'suggestBooking', 'urgency']);
      expect(['low', 'medium', 'high']).toContain(res.body.urgency);
      expect(typeof res.body.suggestBooking).toBe('boolean');
    }
    expectProblem(await http().post('/api/chatbot').set(bearer(patient)).send({ message: '' }), 400);
    expectProblem(await http().post('/api/chatbot').set(bearer(patient)).send({ message: 'x'.repeat(2001) }), 400);
    await http().post('/api/chatbot').set(bearer(patient)).send({ message: 'x'.repeat(2000) }).expect(200);
  });
});

describe('audit and operations', () => {
  it('the event feed takes after, type and limit (empty values read as absent)', async () => {
    const res = await http().get('/api/audit/events?after=&type=&limit=').set(bearer(auditor)).expect(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    const positions = res.body.items.map((e: { position: number }) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('the rebuild is 202 and its progress is listed', async () => {
    await http().post('/api/admin/projections/rebuild').set(bearer(admin)).send({}).expect(202);
    await projected(t);
    const res = await http().get('/api/admin/projections').set(bearer(admin)).expect(200);
    expect(res.body.items.length).toBeGreaterThan(0);
  });

  it.each([
    ['/healthz', /json/],
    ['/readyz', /json/],
    ['/metrics', /^text\/plain/],
    ['/api-docs.json', /json/],
    ['/api-docs', /html/],
  ])('GET %s answers 200', async (path, type) => {
    const res = await http().get(path).expect(200);
    expect(res.headers['content-type']).toMatch(type);
  });

  it('the Swagger UI page at /api-docs loads its assets and points at /api-docs.json', async () => {
    const page = await http().get('/api-docs').expect(200);
    expect(page.text).toContain('<base href="/api-docs/">');
    expect((await http().get('/api-docs/swagger-ui-init.js').expect(200)).text).toContain('/api-docs.json');
    await http().get('/api-docs/swagger-ui.css').expect(200);
    await http().get('/api-docs/swagger-ui-bundle.js').expect(200);
  });

  it('the OpenAPI document is version 3 and names the contract\'s paths', async () => {
    const doc = (await http().get('/api-docs.json').expect(200)).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/auth/signup', '/api/auth/verify-otp', '/api/auth/resend-otp', '/api/auth/login', '/api/auth/forgot-password', '/api/auth/reset-password',
      '/api/auth/me', '/api/users/me/avatar', '/api/doctors', '/api/doctors/{doctorId}', '/api/doctors/me/availability', '/api/doctors/{doctorId}/slots',
      '/api/doctors/me/slots/{slotId}', '/api/appointments', '/api/appointments/{id}', '/api/appointments/{id}/reschedule', '/api/appointments/{id}/cancel',
      '/api/appointments/{id}/complete', '/api/appointments/{id}/no-show', '/api/appointments/{id}/history', '/api/payments/initiate', '/api/payments/verify',
      '/api/payments/webhook', '/api/wallet', '/api/wallet/transactions', '/api/wallet/topup', '/api/reports', '/api/reports/{id}', '/api/reports/{id}/chat',
      '/api/chatbot', '/api/webrtc/ice-servers', '/api/consultations/{appointmentId}', '/api/audit/appointments/{id}/history',
      '/api/audit/appointments/{id}/state', '/api/audit/streams/{streamId}/verify', '/api/audit/events', '/api/admin/projections/rebuild',
      '/api/admin/projections', '/api/dev/mailbox',
    ]) expect(Object.keys(doc.paths)).toContain(path);
  });
});

describe('configuration operators and outside tests rely on', () => {
  it('runs on the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 5000, HOLD_TTL_SECONDS: 900, MIN_NOTICE_MINUTES: 30, dataDir: resolve('./data'), seedDemo: true, profile: 'embedded' });
    expect(Buffer.byteLength(config.JWT_SECRET)).toBeGreaterThanOrEqual(32);
    expect(config.RAZORPAY_WEBHOOK_SECRET.length).toBeGreaterThan(0);
    expect(config.paymentSimulator).toBe(true);
    expect(config.RESEND_API_KEY ?? config.ML_SERVICE_URL ?? config.CLOUDINARY_URL).toBeUndefined();
  });

  it('rate limits are strict in production and out of an acceptance suite\'s way elsewhere, unless set', () => {
    const production = loadConfig({
      NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-1234', RAZORPAY_KEY_ID: 'rzp_live_x', RAZORPAY_KEY_SECRET: 's',
      RAZORPAY_WEBHOOK_SECRET: 'w', LEDGER_SIGNING_KEY: testLedgerSigningKey,
    });
    expect(production).toMatchObject({ RATE_LIMIT_PER_MINUTE: 600, AUTH_RATE_LIMIT_PER_MINUTE: 20, seedDemo: false });
    expect(loadConfig({}).AUTH_RATE_LIMIT_PER_MINUTE).toBeGreaterThanOrEqual(1000);
    expect(loadConfig({ AUTH_RATE_LIMIT_PER_MINUTE: '7' }).AUTH_RATE_LIMIT_PER_MINUTE).toBe(7);
  });
});

describe('Socket.io signalling', () => {
  it('join-room acks { ok, peers }, tells the other peer; candidates relay under the same name; leave-room → peer-left { userId }', async () => {
    const server = await startConsultationServer();
    const sockets: Array<ReturnType<typeof client>> = [];
    const as = async (token?: string) => {
      const socket = client(server, token);
      sockets.push(socket);
      return socket;
    };
    try {
      const [p, d, other] = await Promise.all([user(server, 'patient'), user(server, 'doctor'), user(server, 'patient')]);
      const { appointmentId } = await givenAppointment(server, p, await givenDoctorSlots(server, d));
      expect(await refusal(await as())).toMatch(/token/);
      expect(await refusal(await as('not-a-token'))).toMatch(/token/);

      const patientSocket = await connected(await as(p.token));
      const doctorSocket = await connected(await as(d.token));
      const strangerSocket = await connected(await as(other.token));
      expect(await ask(strangerSocket, 'join-room', { appointmentId })).toMatchObject({ ok: false, error: expect.any(String) });
      expect(await ask(patientSocket, 'join-room', { appointmentId })).toMatchObject({ ok: true, peers: [] });
      const peerJoined = next(patientSocket, 'peer-joined');
      expect(await ask(doctorSocket, 'join-room', { appointmentId })).toMatchObject({ ok: true, peers: [{ userId: p.userId, role: 'patient' }] });
      expect(await peerJoined).toEqual({ userId: d.userId, role: 'doctor' });

      const candidate = next(doctorSocket, 'ice-candidate');
      patientSocket.emit('ice-candidate', { appointmentId, candidate: 'candidate:1 1 udp 2122260223 192.0.2.2 54321 typ host' });
      expect(await candidate).toMatchObject({ candidate: 'candidate:1 1 udp 2122260223 192.0.2.2 54321 typ host' });

      const left = next(doctorSocket, 'peer-left');
      patientSocket.emit('leave-room', { appointmentId });
      expect(await left).toEqual({ userId: p.userId });
    } finally {
      for (const socket of sockets) socket.disconnect();
      await server.cleanup();
    }
  });
});
