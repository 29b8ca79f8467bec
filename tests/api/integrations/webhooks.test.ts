import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { systemActor } from '../../../src/domain/shared/event.js';
import { givenHold } from '../../support/booking.js';
import { labReportPdf } from '../../support/sampleReports.js';
import { closedPortUrl } from '../../support/stubServer.js';
import {
  bearer, bodyOf, deliveries, eventually, nothingMoreArrives, receivedAfterJobs, register, validSignature, webhooksWorld, type WebhooksWorld,
} from './webhooksFixture.js';

let w: WebhooksWorld;
afterEach(async () => { await w.close(); });

const FEE = 50_000;
const payFromWallet = async (slotIndex = 0) => {
  await w.t.services.wallet.credit({ userId: w.patient.userId, creditId: `gift-${slotIndex}`, amountPaise: FEE, reason: 'refund', paymentId: null },
    { actor: systemActor, correlationId: 'test' });
  await eventually(async () => {
    expect((await request(w.t.http).get('/api/wallet').set(bearer(w.patient)).expect(200)).body.availablePaise).toBe(FEE);
  });
  const appointmentId = await givenHold(w.t, w.patient, w.slots[slotIndex]);
  const paid = await request(w.t.http).post('/api/payments/initiate').set(bearer(w.patient)).send({ appointmentId, method: 'wallet' }).expect(201);
  return { appointmentId, paymentId: paid.body.paymentId as string };
};

describe('deliveries to a registered endpoint', () => {
  it('sends each event of a wallet booking once, signed with the endpoint secret', async () => {
    w = await webhooksWorld();
    const endpoint = await register(w, { url: `${w.stub.url}/hooks`, events: ['appointment.*', 'payment.*'] });
    expect(endpoint).toEqual({
      id: expect.any(String), url: `${w.stub.url}/hooks`, events: ['appointment.*', 'payment.*'], trusted: false,
      createdAt: w.t.clock.now().toISOString(), secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { appointmentId, paymentId } = await payFromWallet();

    const received = await receivedAfterJobs(w, 3);
    await nothingMoreArrives(w);
    expect(received.map((r) => bodyOf(r).type).sort()).toEqual(['appointment.confirmed', 'appointment.requested', 'payment.captured']);
    for (const req of received) {
      expect(req).toMatchObject({ method: 'POST', url: '/hooks' });
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-healthvision-event']).toBe(bodyOf(req).type);
      expect(req.headers['x-healthvision-timestamp']).toBe(String(Math.floor(w.t.clock.now().getTime() / 1000)));
      expect(validSignature(req, endpoint.secret)).toBe(true);
      expect(validSignature(req, `${endpoint.secret}x`)).toBe(false);
    }
    expect(new Set(received.map((r) => r.headers['x-healthvision-delivery'])).size).toBe(3);
    const confirmed = bodyOf(received.find((r) => bodyOf(r).type === 'appointment.confirmed')!);
    expect(confirmed).toEqual({
      id: expect.any(String), type: 'appointment.confirmed', occurredAt: expect.any(String),
      data: expect.objectContaining({ appointmentId, patientId: w.patient.userId, doctorId: w.doctor.userId, status: 'confirmed', paymentId }),
    });
    expect(bodyOf(received.find((r) => bodyOf(r).type === 'payment.captured')!).data).toMatchObject({ paymentId, appointmentId, status: 'captured', method: 'wallet' });

    const log = await deliveries(w, endpoint.id);
    expect(log).toHaveLength(3);
    for (const entry of log) {
      expect(entry).toMatchObject({ endpointId: endpoint.id, status: 'succeeded', nextAttemptAt: null, attempts: [{ attempt: 1, statusCode: 200, error: null, succeeded: true }] });
    }
  });

  it('retries with growing waits while the receiver answers 500, and the log shows every attempt', async () => {
    w = await webhooksWorld();
    w.answers.push(500, 500, 500);
    const endpoint = await register(w, { url: w.stub.url, events: ['appointment.requested'] });
    const started = w.t.clock.now().getTime();
    await givenHold(w.t, w.patient, w.slots[0]);

    await receivedAfterJobs(w, 1);
    await nothingMoreArrives(w);
    w.t.clock.advance(59_000);
    await nothingMoreArrives(w);
    w.t.clock.advance(1_000);
    await receivedAfterJobs(w, 2);
    w.t.clock.advance(120_000);
    await receivedAfterJobs(w, 3);
    w.t.clock.advance(239_000);
    await nothingMoreArrives(w);
    w.t.clock.advance(1_000);
    await receivedAfterJobs(w, 4);
    await nothingMoreArrives(w);

    expect(new Set(w.stub.requests.map((r) => r.headers['x-healthvision-delivery'])).size).toBe(1);
    expect(new Set(w.stub.requests.map((r) => bodyOf(r).id)).size).toBe(1);
    expect(w.stub.requests.every((r) => validSignature(r, endpoint.secret))).toBe(true);
    const at = (s: number) => new Date(started + s * 1000).toISOString();
    await eventually(async () => {
      const [entry] = await deliveries(w, endpoint.id);
      expect(entry).toMatchObject({
        status: 'succeeded', nextAttemptAt: null, eventType: 'appointment.requested',
        attempts: [
          { attempt: 1, at: at(0), statusCode: 500, succeeded: false },
          { attempt: 2, at: at(60), statusCode: 500, succeeded: false },
          { attempt: 3, at: at(180), statusCode: 500, succeeded: false },
          { attempt: 4, at: at(420), statusCode: 200, succeeded: true },
        ],
      });
    });
  });

  it('logs an unreachable receiver with the error and when the next attempt is due', async () => {
    w = await webhooksWorld();
    const endpoint = await register(w, { url: `${await closedPortUrl()}/unreachable`, events: ['appointment.*'] });
    const started = w.t.clock.now().getTime();
    await givenHold(w.t, w.patient, w.slots[0]);
    await eventually(async () => {
      await w.jobs.runDue(w.t.services);
      const [entry] = await deliveries(w, endpoint.id);
      expect(entry).toMatchObject({
        status: 'pending', nextAttemptAt: new Date(started + 60_000).toISOString(),
        attempts: [{ attempt: 1, statusCode: null, error: expect.stringMatching(/^not reached/), succeeded: false }],
      });
    });
  });

  it('redelivers on an admin\'s request under the same delivery id', async () => {
    w = await webhooksWorld();
    const endpoint = await register(w, { url: w.stub.url, events: ['appointment.requested'] });
    await givenHold(w.t, w.patient, w.slots[0]);
    const [first] = await receivedAfterJobs(w, 1);
    const [delivery] = await deliveries(w, endpoint.id);
    await eventually(async () => expect((await deliveries(w, endpoint.id))[0].status).toBe('succeeded'));

    w.t.clock.advance(1_800_000);
    const res = await request(w.t.http).post(`/api/admin/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`).set(bearer(w.admin)).send({}).expect(202);
    expect(res.body).toMatchObject({ id: delivery.id, status: 'pending', nextAttemptAt: w.t.clock.now().toISOString() });
    const [, again] = await receivedAfterJobs(w, 2);
    await nothingMoreArrives(w);
    expect(again.headers['x-healthvision-delivery']).toBe(first.headers['x-healthvision-delivery']);
    expect(again.body.equals(first.body)).toBe(true);
    expect(again.headers['x-healthvision-timestamp']).not.toBe(first.headers['x-healthvision-timestamp']);
    expect(validSignature(again, endpoint.secret)).toBe(true);
    await eventually(async () => {
      expect((await deliveries(w, endpoint.id))[0]).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1 }, { attempt: 2, statusCode: 200 }] });
    });

    const other = await register(w, { url: w.stub.url, events: ['payment.*'] });
    await request(w.t.http).post(`/api/admin/webhooks/${other.id}/deliveries/${delivery.id}/redeliver`).set(bearer(w.admin)).send({}).expect(404);
    await request(w.t.http).post(`/api/admin/webhooks/${endpoint.id}/deliveries/no-such-delivery/redeliver`).set(bearer(w.admin)).send({}).expect(404);
  });

  it('sends an endpoint only what it subscribed to, and nothing once it is removed', async () => {
    w = await webhooksWorld();
    const payments = await register(w, { url: `${w.stub.url}/payments`, events: ['payment.captured'] });
    const removed = await register(w, { url: `${w.stub.url}/removed`, events: ['appointment.*', 'payment.*'] });
    await request(w.t.http).delete(`/api/admin/webhooks/${removed.id}`).set(bearer(w.admin)).expect(204);
    await payFromWallet();
    const [only] = await receivedAfterJobs(w, 1);
    await nothingMoreArrives(w);
    expect(only.url).toBe('/payments');
    expect(validSignature(only, payments.secret)).toBe(true);
    expect(bodyOf(only).type).toBe('payment.captured');
  });

  it('stops retrying once the endpoint is removed', async () => {
    w = await webhooksWorld();
    w.answers.push(500);
    const endpoint = await register(w, { url: w.stub.url, events: ['appointment.requested'] });
    await givenHold(w.t, w.patient, w.slots[0]);
    await receivedAfterJobs(w, 1);
    await eventually(async () => expect((await deliveries(w, endpoint.id))[0]?.attempts).toHaveLength(1));
    await request(w.t.http).delete(`/api/admin/webhooks/${endpoint.id}`).set(bearer(w.admin)).expect(204);
    w.t.clock.advance(60_000);
    await nothingMoreArrives(w);
  });
});

describe('what a payload may carry', () => {
  it('gives names and findings to a trusted endpoint only', async () => {
    w = await webhooksWorld({ names: { patient: 'Asha Verma', doctor: 'Ravi Menon' } });
    const plain = await register(w, { url: `${w.stub.url}/plain`, events: ['appointment.requested', 'report.analyzed'] });
    const trusted = await register(w, { url: `${w.stub.url}/trusted`, events: ['appointment.requested', 'report.analyzed'], trusted: true });
    expect(trusted.trusted).toBe(true);
    await givenHold(w.t, w.patient, w.slots[0]);
    const pdf = await labReportPdf(['Hemoglobin 9.1 g/dL', '25-OH Vitamin D 12 ng/mL']);
    const upload = await request(w.t.http).post('/api/reports').set(bearer(w.patient)).attach('file', pdf, 'labs.pdf').expect(201);
    const received = await receivedAfterJobs(w, 4);
    await nothingMoreArrives(w);
    const sent = (path: string, type: string) => bodyOf(received.find((r) => r.url === path && bodyOf(r).type === type)!);

    const plainReport = sent('/plain', 'report.analyzed');
    expect(plainReport.data).toEqual({ reportId: upload.body.reportId, patientId: w.patient.userId, analyzedAt: expect.any(String) });
    const plainBooking = JSON.stringify(sent('/plain', 'appointment.requested'));
    expect(plainBooking).not.toMatch(/Asha|Ravi/);
    expect(JSON.stringify(plainReport)).not.toMatch(/moglobin|Vitamin|summary|findings|urgency/i);

    expect(sent('/trusted', 'appointment.requested').data).toMatchObject({ patientName: 'Asha Verma', doctorName: 'Ravi Menon' });
    expect(sent('/trusted', 'report.analyzed').data).toMatchObject({
      reportId: upload.body.reportId, urgency: expect.any(String), summary: expect.any(String),
      findings: expect.arrayContaining([expect.objectContaining({ name: 'Haemoglobin', flag: 'low' })]),
    });
    for (const req of received) expect(validSignature(req, req.url === '/trusted' ? trusted.secret : plain.secret)).toBe(true);
  });
});

describe('the admin API', () => {
  it('lists, shows and removes endpoints; a removed one is gone', async () => {
    w = await webhooksWorld();
    const a = await register(w, { url: 'https://crm.example/a', events: ['report.analyzed'] });
    const b = await register(w, { url: 'https://crm.example/b', events: ['payment.*'], trusted: true });
    const list = await request(w.t.http).get('/api/admin/webhooks').set(bearer(w.admin)).expect(200);
    expect(list.body.items.map((e: { id: string }) => e.id).sort()).toEqual([a.id, b.id].sort());
    expect(JSON.stringify(list.body)).not.toContain('secret');
    const shown = await request(w.t.http).get(`/api/admin/webhooks/${b.id}`).set(bearer(w.admin)).expect(200);
    expect(shown.body).toEqual({ id: b.id, url: 'https://crm.example/b', events: ['payment.*'], trusted: true, createdAt: expect.any(String) });

    await request(w.t.http).delete(`/api/admin/webhooks/${a.id}`).set(bearer(w.admin)).expect(204);
    await request(w.t.http).get(`/api/admin/webhooks/${a.id}`).set(bearer(w.admin)).expect(404);
    await request(w.t.http).get(`/api/admin/webhooks/${a.id}/deliveries`).set(bearer(w.admin)).expect(404);
    await request(w.t.http).delete(`/api/admin/webhooks/${a.id}`).set(bearer(w.admin)).expect(404);
    expect((await request(w.t.http).get('/api/admin/webhooks').set(bearer(w.admin)).expect(200)).body.items.map((e: { id: string }) => e.id)).toEqual([b.id]);
  });

  it('keeps no secret in the event log', async () => {
    w = await webhooksWorld();
    const { secret } = await register(w, { url: 'https://crm.example/a', events: ['appointment.*'] });
    const log = JSON.stringify(await w.t.services.events.readAll());
    expect(log).toContain('WebhookEndpointRegistered');
    expect(log).not.toContain(secret);
    expect(log).not.toContain(secret.slice('whsec_'.length));
  });

  it.each([
    ['an ftp URL', { url: 'ftp://crm.example/a', events: ['appointment.*'] }],
    ['no URL', { events: ['appointment.*'] }],
    ['no events', { url: 'https://crm.example/a', events: [] }],
    ['an unknown event', { url: 'https://crm.example/a', events: ['appointment.booked'] }],
    ['a field of its own', { url: 'https://crm.example/a', events: ['appointment.*'], secret: 'mine' }],
    ['trusted as a string', { url: 'https://crm.example/a', events: ['appointment.*'], trusted: 'yes' }],
  ])('refuses %s with 400 and registers nothing', async (_, body) => {
    w = await webhooksWorld();
    const res = await register(w, body, 400);
    expect(res).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await request(w.t.http).get('/api/admin/webhooks').set(bearer(w.admin)).expect(200)).body.items).toEqual([]);
  });

  it('is for admins only', async () => {
    w = await webhooksWorld();
    await request(w.t.http).post('/api/admin/webhooks').set(bearer(w.patient)).send({ url: 'https://crm.example/a', events: ['appointment.*'] }).expect(403);
    await request(w.t.http).get('/api/admin/webhooks').set(bearer(w.doctor)).expect(403);
    await request(w.t.http).get('/api/admin/webhooks').expect(401);
  });

  it('refuses loopback and private addresses when they are not allowed (production\'s default)', async () => {
    w = await webhooksWorld({ env: { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' } });
    for (const url of [w.stub.url, 'http://localhost:8080/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]:8080/x']) {
      const res = await register(w, { url, events: ['appointment.*'] }, 400);
      expect(res.code).toBe('endpoint_address_refused');
    }
    await register(w, { url: 'https://93.184.215.14/hooks', events: ['appointment.*'] }, 201);
  });
});
