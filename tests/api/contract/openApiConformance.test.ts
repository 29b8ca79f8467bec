import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenSlots, projected } from '../../support/booking.js';
import { DIABETIC_PANEL, labReportPdf, tinyPng } from '../../support/sampleReports.js';
import { conformance, observing, type Observation, type OpenApiDocument } from '../../support/openApiConformance.js';

/**
 * The OpenAPI document tells the truth about the answers: a representative tour of every documented
 * operation — successes and the usual refusals (400, 401, 403, 404, 409, 413, 415, 422, 429) — is
 * recorded, and every answer must be declared for its operation: its status, its required headers
 * (RateLimit, RateLimit-Policy, Retry-After on 429) and its JSON body's schema.
 */
const WEBHOOK_SECRET = 'conformance-webhook-secret';
const seen: Observation[] = [];
let t: TestApp;
let limited: TestApp;
let doc: OpenApiDocument;
let doctor: GivenUser;
let patient: GivenUser;
let stranger: GivenUser;
let auditor: GivenUser;
let admin: GivenUser;
let slots: string[];

beforeAll(async () => {
  t = await startTestApp({ env: { RAZORPAY_WEBHOOK_SECRET: WEBHOOK_SECRET, JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
  limited = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
  [doctor, patient, stranger, auditor, admin] = await Promise.all([
    givenUser(t, { role: 'doctor' }), givenUser(t, { role: 'patient' }), givenUser(t, { role: 'patient' }),
    givenUser(t, { role: 'auditor' }), givenUser(t, { role: 'admin' }),
  ]);
  slots = await givenSlots(t, doctor, [{ day: 'tue', start: '09:00', end: '14:00' }]);
  doc = (await request(t.http).get('/api-docs.json').expect(200)).body as OpenApiDocument;
});
afterAll(async () => {
  await t.services.razorpaySimulator?.idle();
  await Promise.all([t.close(), limited.close()]);
});

const http = () => request(observing(t.http, seen));
const as = (who: GivenUser) => bearer(who);

async function mailedCode(to: string): Promise<string> {
  const res = await http().get('/api/dev/mailbox').query({ to }).expect(200);
  return /\b(\d{6})\b/.exec(String(res.body.items[0]?.text))![1];
}

/** With the fake clock at `instant` (the appointment's time), then back. */
async function at(instant: string, body: () => Promise<void>): Promise<void> {
  const before = t.clock.now().toISOString();
  t.clock.set(instant);
  try { await body(); } finally { t.clock.set(before); }
}

async function book(who: GivenUser, slotId: string): Promise<string> {
  const res = await http().post('/api/appointments').set(as(who)).send({ slotId }).expect(201);
  await projected(t);
  return res.body.appointmentId as string;
}

async function payByGateway(appointmentId: string): Promise<void> {
  const initiated = await http().post('/api/payments/initiate').set(as(patient)).send({ appointmentId, method: 'razorpay' }).expect(201);
  const proof = await http().post('/api/dev/razorpay/checkout').send({ orderId: initiated.body.razorpay.orderId, outcome: 'success' }).expect(200);
  await http().post('/api/payments/verify').send(proof.body).expect(200);
  await projected(t);
}

describe('a tour of every documented operation', () => {
  it('identity', async () => {
    const email = 'conformance.patient@example.com';
    const body = { name: 'Conformance Patient', email, password: 'correct horse battery', role: 'patient' };
    await http().post('/api/auth/signup').send(body).expect(201);
    await http().post('/api/auth/signup').send(body).expect(409);
    await http().post('/api/auth/signup').send({ ...body, email: 'nope' }).expect(400);
    await http().post('/api/auth/signup').set('Content-Type', 'text/plain').send('name=x').expect(415);
    await http().post('/api/auth/signup').field('name', 'Form Patient').field('email', 'conformance.form@example.com')
      .field('password', 'correct horse battery').field('role', 'patient').attach('avatar', tinyPng(), 'me.png').expect(201);
    await http().post('/api/auth/login').send({ email, password: body.password }).expect(403);
    await http().post('/api/auth/verify-otp').send({ email, otp: '000000' }).expect(400);
    await http().post('/api/auth/verify-otp').send({ email, otp: await mailedCode(email) }).expect(200);
    const login = await http().post('/api/auth/login').send({ email, password: body.password }).expect(200);
    await http().post('/api/auth/login').send({ email, password: 'wrong password!' }).expect(401);
    await http().post('/api/auth/login').send({ email: 'x'.repeat(150_000), password: 'p' }).expect(413);
    await http().get('/api/auth/me').set('Authorization', `Bearer ${login.body.token}`).expect(200);
    await http().get('/api/auth/me').expect(401);
    await http().post('/api/auth/resend-otp').send({ email }).expect(202);
    t.clock.advanceMinutes(1);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    await http().post('/api/auth/reset-password').send({ email, otp: await mailedCode(email), newPassword: 'a brand new password' }).expect(200);
    await http().put('/api/users/me/avatar').set(as(patient)).attach('avatar', tinyPng(), 'me.png').expect(200);
    await http().put('/api/users/me/avatar').set(as(patient)).send({ avatar: 'x' }).expect(415);
    await http().put('/api/users/me/avatar').set(as(patient)).attach('avatar', Buffer.alloc(2 * 1024 * 1024 + 1), 'big.png').expect(413);
  });

  it('doctors and slots', async () => {
    await http().get('/api/doctors').query({ page: 1, limit: 5 }).expect(200);
    await http().get(`/api/doctors/${doctor.userId}`).expect(200);
    await http().get('/api/doctors/no-such-doctor').expect(404);
    await http().get(`/api/doctors/${doctor.userId}/slots`).query({ status: 'available' }).expect(200);
    await http().get(`/api/doctors/${doctor.userId}/slots`).query({ status: 'free' }).expect(400);
    const template = { timezone: 'Asia/Kolkata', slotMinutes: 30, days: 7, weekly: [{ day: 'wed', start: '09:00', end: '10:00' }] };
    await http().put('/api/doctors/me/availability').set(as(doctor)).send(template).expect(200);
    await http().put('/api/doctors/me/availability').set(as(patient)).send(template).expect(403);
    const last = slots.pop()!;
    await http().delete(`/api/doctors/me/slots/${encodeURIComponent(last)}`).set(as(doctor)).expect(204);
    await http().post('/api/appointments').set(as(patient)).send({ slotId: last }).expect(409);
  });

  it('the doctor\'s day and calendar feed', async () => {
    await http().get('/api/doctors/me/agenda').query({ date: '2030-01-08' }).set(as(doctor)).expect(200);
    await http().get('/api/doctors/me/agenda').query({ date: 'someday' }).set(as(doctor)).expect(400);
    await http().get('/api/doctors/me/agenda').set(as(patient)).expect(403);
    const { token } = (await http().post('/api/doctors/me/calendar-token').set(as(doctor)).expect(201)).body as { token: string };
    await http().post('/api/doctors/me/calendar-token').set(as(patient)).expect(403);
    await http().get('/api/doctors/me/calendar.ics').query({ token }).expect(200);
    await http().delete('/api/doctors/me/calendar-token').set(as(doctor)).expect(204);
    await http().get('/api/doctors/me/calendar.ics').query({ token }).expect(404);
    await http().get('/api/doctors/me/calendar.ics').expect(400);
  });

  it('appointments, idempotency, payments and the wallet', async () => {
    const keyed = (key: string, slotId: string) => http().post('/api/appointments').set(as(patient)).set('Idempotency-Key', key).send({ slotId });
    const first = await keyed('conformance-book-1', slots[0]).expect(201);
    const replay = await keyed('conformance-book-1', slots[0]).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await keyed('conformance-book-1', slots[1]).expect(422);
    await keyed('not a valid key!', slots[1]).expect(400);
    await http().post('/api/appointments').set(as(doctor)).send({ slotId: slots[1] }).expect(403);
    const appointmentId = first.body.appointmentId as string;
    await projected(t);
    await http().get(`/api/appointments/${appointmentId}`).set(as(patient)).expect(200);
    await http().get(`/api/appointments/${appointmentId}`).set(as(stranger)).expect(404);
    await http().get('/api/appointments').query({ status: 'pending_payment' }).set(as(patient)).expect(200);
    await http().get('/api/appointments').query({ status: 'nope' }).set(as(patient)).expect(400);

    await payByGateway(appointmentId);
    await http().post('/api/payments/verify').send({ razorpay_order_id: 'o', razorpay_payment_id: 'p', razorpay_signature: '0'.repeat(64) }).expect(400);
    const raw = JSON.stringify({ entity: 'event', event: 'payment.authorized', payload: {}, created_at: 1 });
    await http().post('/api/payments/webhook').set('Content-Type', 'application/json')
      .set('X-Razorpay-Signature', createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')).send(raw).expect(200);
    await http().post('/api/payments/webhook').set('Content-Type', 'application/json').send(raw).expect(400);
    await http().get(`/api/appointments/${appointmentId}`).set(as(patient)).expect(200);
    await http().get(`/api/appointments/${appointmentId}/history`).set(as(patient)).expect(200);
    await http().get(`/api/consultations/${appointmentId}`).set(as(patient)).expect(200);
    await http().get('/api/webrtc/ice-servers').set(as(patient)).expect(200);

    await http().post(`/api/appointments/${appointmentId}/reschedule`).set(as(patient)).send({ newSlotId: slots[2] }).expect(200);
    await http().post(`/api/appointments/${appointmentId}/complete`).set(as(doctor)).expect(409);
    await http().post(`/api/appointments/${appointmentId}/complete`).set(as(patient)).expect(403);
    await at('2030-01-08T04:40:00.000Z', async () => {
      await http().post(`/api/appointments/${appointmentId}/complete`).set(as(doctor)).expect(200);
    });

    const missed = await book(patient, slots[3]);
    await payByGateway(missed);
    await at('2030-01-08T05:05:00.000Z', async () => {
      await http().post(`/api/appointments/${missed}/no-show`).set(as(doctor)).expect(200);
    });
    const cancelled = await book(patient, slots[4]);
    await payByGateway(cancelled);
    await http().post(`/api/appointments/${cancelled}/cancel`).set(as(patient)).send({ reason: 'travelling' }).expect(200);
    await http().post(`/api/appointments/${cancelled}/cancel`).set(as(patient)).send({}).expect(409);

    const short = await book(stranger, slots[5]);
    await http().post('/api/payments/initiate').set(as(stranger)).send({ appointmentId: short, method: 'wallet' }).expect(402);
    await http().get('/api/wallet').set(as(patient)).expect(200);
    await http().get('/api/wallet/transactions').query({ page: 1 }).set(as(patient)).expect(200);
    await http().post('/api/wallet/topup').set(as(patient)).send({ amountPaise: 10_000 }).expect(201);
    await http().post('/api/wallet/topup').set(as(patient)).send({ amountPaise: 1 }).expect(400);

    // A client racing itself: the same key sent again while the first request still runs is 409.
    const racing = async (attempt: number): Promise<number[]> => {
      const send = () => http().post('/api/wallet/topup').set(as(patient)).set('Idempotency-Key', `conformance-race-${attempt}`).send({ amountPaise: 10_000 });
      return (await Promise.all([send(), send(), send()])).map((r) => r.status);
    };
    let statuses: number[] = [];
    for (let attempt = 0; attempt < 20 && !statuses.includes(409); attempt += 1) statuses = await racing(attempt);
    expect(statuses).toContain(409);
    expect(statuses).toContain(201);
  });

  it('reports and the chatbot', async () => {
    const upload = await http().post('/api/reports').set(as(patient)).attach('file', await labReportPdf(DIABETIC_PANEL), 'labs.pdf')
      .field('title', 'Blood panel').expect(201);
    await http().post('/api/reports').set(as(patient)).send({ title: 'no file' }).expect(415);
    await http().post('/api/reports').set(as(patient)).field('title', 'nothing attached').expect(400);
    await http().post('/api/reports').set(as(doctor)).attach('file', tinyPng(), 'x.png').expect(403);
    const reportId = upload.body.reportId as string;
    await http().get('/api/reports').set(as(patient)).expect(200);
    const report = await http().get(`/api/reports/${reportId}`).set(as(patient)).expect(200);
    await http().get(`/api/reports/${reportId}`).set(as(stranger)).expect(404);
    await http().post(`/api/reports/${reportId}/chat`).set(as(patient)).send({ message: 'Is this bad?' }).expect(409);
    const link = new URL(report.body.fileUrl as string, 'http://x');
    await http().get(`${link.pathname}${link.search}`).expect(200);
    await http().get(`${link.pathname}?expires=1&sig=${'A'.repeat(43)}`).expect(404);
    await projected(t);
    await http().post('/api/chatbot').set(as(patient)).send({ message: 'I have had a headache for two days' }).expect(200);
    await http().post('/api/chatbot').set(as(patient)).send({ message: '' }).expect(400);
  });

  it('audit and operations', async () => {
    const appointmentId = (await http().get('/api/appointments').set(as(patient)).expect(200)).body.items[0].appointmentId as string;
    await http().get(`/api/audit/appointments/${appointmentId}/history`).set(as(auditor)).expect(200);
    await http().get(`/api/audit/appointments/${appointmentId}/history`).set(as(patient)).expect(403);
    await http().get(`/api/audit/appointments/${appointmentId}/state`).query({ at: '2030-01-07T04:00:00Z' }).set(as(auditor)).expect(200);
    await http().get(`/api/audit/streams/appointment-${appointmentId}/verify`).set(as(auditor)).expect(200);
    await http().get('/api/audit/events').query({ limit: 5 }).set(as(auditor)).expect(200);
    await http().get('/api/audit/events').query({ limit: 0 }).set(as(auditor)).expect(400);
    await http().get(`/api/audit/appointments/${appointmentId}/case`).set(as(auditor)).expect(200);
    await http().get(`/api/audit/appointments/${appointmentId}/case`).query({ format: 'xml' }).set(as(auditor)).expect(400);
    await http().get('/api/users/me/access-log').set(as(patient)).expect(200);
    await http().get('/api/audit/access-log').query({ readerId: auditor.userId }).set(as(admin)).expect(200);
    await http().get('/api/audit/access-log').set(as(patient)).expect(403);
    await http().get('/api/audit/checkpoints').query({ after: 0 }).set(as(auditor)).expect(200);
    await http().get('/api/audit/checkpoints/latest').set(as(auditor)); // 200 once a head is signed, 404 before
    await http().get('/api/audit/proofs/consistency').query({ from: 2, to: 1 }).set(as(auditor)).expect(400);
    await http().get('/api/audit/proofs/inclusion').query({ position: 'x' }).set(as(auditor)).expect(400);
    await http().post('/api/admin/projections/rebuild').set(as(admin)).send({ name: 'no-such-projection' }).expect(404);
    await http().post('/api/admin/projections/rebuild').set(as(admin)).send({}).expect(202);
    await projected(t);
    await http().get('/api/admin/projections').set(as(auditor)).expect(200);
    await http().get('/api/admin/reactors/parked').set(as(auditor)).expect(200);
    await http().post('/api/admin/reactors/parked/nothing-parked/retry').set(as(admin)).send({}).expect(404);
    await http().get('/api/admin/payments/refunds').query({ status: 'completed' }).set(as(auditor)).expect(200);
    await http().post('/api/admin/payments/pay-x/refunds/refund-x/retry').set(as(admin)).send({}).expect(404);
    await http().get('/api/dev/mailbox').query({ to: 'nobody@example.test' }).expect(200);
    await http().get('/healthz').expect(200);
    await http().get('/readyz').expect(200);
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toContain('healthvision_');
  });

  it('webhooks for integrators', async () => {
    const created = await http().post('/api/admin/webhooks').set(as(admin)).send({ url: 'https://crm.example/hooks', events: ['appointment.*'] }).expect(201);
    const id = created.body.id as string;
    await http().post('/api/admin/webhooks').set(as(admin)).send({ url: 'ftp://crm.example/hooks', events: ['appointment.*'] }).expect(400);
    await http().post('/api/admin/webhooks').set(as(patient)).send({ url: 'https://crm.example/hooks', events: ['appointment.*'] }).expect(403);
    await http().get('/api/admin/webhooks').set(as(admin)).expect(200);
    await http().get(`/api/admin/webhooks/${id}`).set(as(admin)).expect(200);
    await http().get('/api/admin/webhooks/no-such-endpoint').set(as(admin)).expect(404);
    await http().get(`/api/admin/webhooks/${id}/deliveries`).query({ status: 'pending' }).set(as(admin)).expect(200);
    await http().get(`/api/admin/webhooks/${id}/deliveries`).query({ page: 0 }).set(as(admin)).expect(400);
    await http().post(`/api/admin/webhooks/${id}/deliveries/no-such-delivery/redeliver`).set(as(admin)).send({}).expect(404);
    await http().delete(`/api/admin/webhooks/${id}`).set(as(admin)).expect(204);
    await http().delete(`/api/admin/webhooks/${id}`).set(as(admin)).expect(404);
  });

  it('personal data rights', async () => {
    const leaving = await givenUser(t, { role: 'patient' });
    await http().get('/api/users/me/export').set(as(leaving)).expect(200);
    await http().delete(`/api/admin/users/${leaving.userId}/personal-data`).set(as(patient)).expect(403);
    await http().delete('/api/admin/users/not!an!id/personal-data').set(as(admin)).expect(400);
    await http().delete('/api/admin/users/no-such-user/personal-data').set(as(admin)).expect(404);
    await http().delete(`/api/admin/users/${leaving.userId}/personal-data`).set(as(admin)).expect(200);
  });

  it('rate limits', async () => {
    const call = () => request(observing(limited.http, seen)).get('/api/doctors');
    await call().expect(200);
    await call().expect(200);
    const refused = await call().expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
  });
});

describe('the document against what was observed', () => {
  it('the checker itself refuses an undeclared status, a missing header and a body off its schema', () => {
    const answer = (status: number, body: unknown, headers: Record<string, string> = { ratelimit: 'x', 'ratelimit-policy': 'x' }) => ({
      method: 'GET', url: '/api/wallet?x=1', status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)),
    });
    expect(conformance(doc, answer(200, { balancePaise: 1, reservedPaise: 0, availablePaise: 1 }))).toEqual({ operationId: 'getWallet', errors: [] });
    expect(conformance(doc, answer(418, {}))?.errors).toEqual(['status 418 is not declared']);
    expect(conformance(doc, answer(200, { balancePaise: 1, reservedPaise: 0, availablePaise: 1 }, {}))?.errors).toHaveLength(2);
    expect(conformance(doc, answer(200, { balancePaise: 'one', reservedPaise: 0 }))?.errors).toEqual(['$.availablePaise: required', '$.balancePaise: expected integer, got string']);
    expect(conformance(doc, { ...answer(200, {}), url: '/nowhere' })).toBeNull();
  });

  it('declares every status, required header and JSON body the tour saw', () => {
    expect(seen.length).toBeGreaterThan(90);
    const wrong = seen.flatMap((observation) => {
      const result = conformance(doc, observation);
      return result && result.errors.length > 0
        ? [`${observation.method} ${observation.url.slice(0, 120)} → ${observation.status} (${result.operationId}): ${result.errors.join('; ')}`]
        : [];
    });
    expect(wrong).toEqual([]);
  });

  it('the tour reached every documented operation', () => {
    const reached = new Set(seen.map((o) => conformance(doc, o)?.operationId).filter(Boolean));
    const documented = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    expect(documented.filter((id) => !reached.has(id))).toEqual([]);
  });
});
