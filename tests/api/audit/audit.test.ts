import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenHold, givenPayment, givenSlots } from '../../support/booking.js';

describe('audit and projection operations', () => {
  let t: TestApp;
  let patient: GivenUser;
  let doctor: GivenUser;
  let auditor: GivenUser;
  let admin: GivenUser;
  let appointmentId: string;
  let slotId: string;

  beforeAll(async () => {
    t = await startTestApp();
    doctor = await givenUser(t, { role: 'doctor' });
    patient = await givenUser(t, { role: 'patient' });
    auditor = await givenUser(t, { role: 'auditor' });
    admin = await givenUser(t, { role: 'admin' });
    [slotId] = await givenSlots(t, doctor);
    appointmentId = await givenHold(t, patient, slotId); // at 03:30:00
    t.clock.advanceMinutes(5);
    await givenPayment(t, appointmentId, 'razorpay', 50_000, 'pay-audit'); // at 03:35:00
  });
  afterAll(async () => { await t.close(); });

  it('auditors and admins read any appointment\'s history; others are refused', async () => {
    for (const who of [auditor, admin]) {
      const res = await request(t.http).get(`/api/audit/appointments/${appointmentId}/history`).set(bearer(who)).expect(200);
      expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['AppointmentRequested', 'AppointmentConfirmed']);
      expect(res.body.events[1].metadata).toMatchObject({ at: '2030-01-07T03:35:00.000Z', actor: { role: 'system' } });
    }
    const viaParty = await request(t.http).get(`/api/appointments/${appointmentId}/history`).set(bearer(auditor)).expect(200);
    expect(viaParty.body.events).toHaveLength(2);
    await request(t.http).get(`/api/audit/appointments/${appointmentId}/history`).set(bearer(patient)).expect(403);
    await request(t.http).get(`/api/audit/appointments/${appointmentId}/history`).expect(401);
    await request(t.http).get('/api/audit/appointments/nope/history').set(bearer(auditor)).expect(404);
  });

  it('replays the appointment to an instant', async () => {
    const state = (at: string) => request(t.http).get(`/api/audit/appointments/${appointmentId}/state`).query({ at }).set(bearer(auditor));
    expect((await state('2030-01-07T03:32:00Z').expect(200)).body).toMatchObject({ appointmentId, status: 'pending_payment', payment: null, revision: 0 });
    expect((await state('2030-01-07T09:05:00+05:30').expect(200)).body).toMatchObject({
      status: 'confirmed', payment: { paymentId: 'pay-audit', method: 'razorpay', paidPaise: 50_000 }, revision: 1,
    });
    await state('2030-01-07T03:29:59Z').expect(404);
    await state('not-a-time').expect(400);
  });

  it('verifies a stream\'s hash chain and finds a tampered event', async () => {
    const ok = await request(t.http).get(`/api/audit/streams/${encodeURIComponent(`slot-${slotId}`)}/verify`).set(bearer(auditor)).expect(200);
    expect(ok.body).toEqual({ valid: true, events: 3 });
    const db = new Database(t.config.sqliteFile);
    try {
      db.prepare('UPDATE events SET data = json_set(data, \'$.paidPaise\', 1) WHERE stream_id = ? AND revision = 1').run(`appointment-${appointmentId}`);
    } finally {
      db.close();
    }
    const broken = await request(t.http).get(`/api/audit/streams/appointment-${appointmentId}/verify`).set(bearer(auditor)).expect(200);
    expect(broken.body).toEqual({ valid: false, events: 2, firstBrokenRevision: 1 });
    await request(t.http).get('/api/audit/streams/appointment-none/verify').set(bearer(auditor)).expect(404);
  });

  it('pages through the global feed by position and type, without secrets', async () => {
    const first = await request(t.http).get('/api/audit/events?limit=3').set(bearer(auditor)).expect(200);
    expect(first.body.items).toHaveLength(3);
    const positions = first.body.items.map((e: { position: number }) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const next = await request(t.http).get(`/api/audit/events?limit=3&after=${first.body.next}`).set(bearer(auditor)).expect(200);
    expect(next.body.items[0].position).toBeGreaterThan(positions[2]);
    const held = await request(t.http).get('/api/audit/events?type=SlotHeld').set(bearer(auditor)).expect(200);
    expect(held.body).toMatchObject({ items: [{ type: 'SlotHeld', streamId: `slot-${slotId}`, data: { appointmentId } }], next: null });
    const users = await request(t.http).get('/api/audit/events?type=UserRegistered').set(bearer(auditor)).expect(200);
    expect(users.body.items.length).toBeGreaterThan(0);
    expect(users.body.items.every((e: { data: { passwordHash: string } }) => e.data.passwordHash === '[redacted]')).toBe(true);
    await request(t.http).get('/api/audit/events?limit=0').set(bearer(auditor)).expect(400);
    await request(t.http).get('/api/audit/events').set(bearer(doctor)).expect(403);
  });

  it('an admin rebuilds a projection from the events; the read model comes back the same', async () => {
    const before = (await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(patient)).expect(200)).body;
    await request(t.http).post('/api/admin/projections/rebuild').set(bearer(auditor)).send({ name: 'appointments' }).expect(403);
    await request(t.http).post('/api/admin/projections/rebuild').set(bearer(admin)).send({ name: 'nope' }).expect(404);
    const res = await request(t.http).post('/api/admin/projections/rebuild').set(bearer(admin)).send({ name: 'appointments' }).expect(202);
    expect(res.body).toEqual({ rebuilding: ['appointments'] });
    await t.services.projections.waitFor(await t.services.events.headPosition());
    const status = await request(t.http).get('/api/admin/projections').set(bearer(admin)).expect(200);
    expect(status.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'appointments', lastError: null })]));
    const after = (await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(patient)).expect(200)).body;
    expect(after).toEqual(before);
  });
});
