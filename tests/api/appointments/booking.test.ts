import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenHold, givenPayment, givenSlots, projected } from '../../support/booking.js';

describe('booking a slot', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let patient: GivenUser;
  let otherPatient: GivenUser;
  let slots: string[];

  beforeAll(async () => {
    t = await startTestApp();
    doctor = await givenUser(t, { role: 'doctor', doctor: { feePaise: 50_000 } });
    patient = await givenUser(t, { role: 'patient' });
    otherPatient = await givenUser(t, { role: 'patient' });
    slots = await givenSlots(t, doctor, [{ day: 'mon', start: '09:00', end: '11:00' }, { day: 'tue', start: '09:00', end: '12:00' }]);
  });
  afterAll(async () => { await t.close(); });

  const tuesday = (i: number) => slots[3 + i];

  it('holds the slot and answers with the hold\'s expiry; the parties can read it, nobody else', async () => {
    const res = await request(t.http).post('/api/appointments').set(bearer(patient)).send({ slotId: tuesday(0) }).expect(201);
    expect(res.body).toEqual({
      appointmentId: expect.any(String), status: 'pending_payment', slotId: tuesday(0),
      holdExpiresAt: '2030-01-07T03:45:00.000Z', feePaise: 50_000,
    });
    const { appointmentId } = res.body;
    const mine = await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(patient)).expect(200);
    expect(mine.body).toEqual({
      appointmentId, patientId: patient.userId, doctorId: doctor.userId, slotId: tuesday(0),
      start: '2030-01-08T03:30:00.000Z', end: '2030-01-08T04:00:00.000Z', feePaise: 50_000, status: 'pending_payment',
      holdExpiresAt: '2030-01-07T03:45:00.000Z',
    });
    await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(doctor)).expect(200);
    await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(otherPatient)).expect(404);
    await request(t.http).get(`/api/appointments/${appointmentId}/history`).set(bearer(otherPatient)).expect(404);
    await projected(t);
    const board = await request(t.http).get(`/api/doctors/${doctor.userId}/slots?status=held`).expect(200);
    expect(board.body.items.map((s: { slotId: string }) => s.slotId)).toEqual([tuesday(0)]);
  });

  it('a held slot answers 409 to the next patient', async () => {
    const res = await request(t.http).post('/api/appointments').set(bearer(otherPatient)).send({ slotId: tuesday(0) }).expect(409);
    expect(res.body).toMatchObject({ status: 409, code: 'slot_unavailable' });
  });

  it('refuses unknown slots (409, as any slot that cannot be booked), doctors (403), anonymous callers (401) and bad bodies (400)', async () => {
    await request(t.http).post('/api/appointments').set(bearer(patient)).send({ slotId: `${doctor.userId}:2030-01-08T03:31:00.000Z` }).expect(409);
    await request(t.http).post('/api/appointments').set(bearer(doctor)).send({ slotId: tuesday(1) }).expect(403);
    await request(t.http).post('/api/appointments').send({ slotId: tuesday(1) }).expect(401);
    await request(t.http).post('/api/appointments').set(bearer(patient)).send({ slotId: tuesday(1), extra: 1 }).expect(400);
    await request(t.http).post('/api/appointments').set(bearer(patient)).send({}).expect(400);
  });

  it('a patient holds at most 3 unpaid slots at once', async () => {
    await givenHold(t, patient, tuesday(1));
    await givenHold(t, patient, tuesday(2));
    const res = await request(t.http).post('/api/appointments').set(bearer(patient)).send({ slotId: tuesday(3) }).expect(409);
    expect(res.body.code).toBe('too_many_holds');
    const list = await request(t.http).get('/api/appointments?status=pending_payment').set(bearer(patient)).expect(200);
    expect(list.body.items).toHaveLength(3);
  });

  it('a slot starting within the minimum notice (30 min) or already started cannot be booked', async () => {
    // Monday 09:30 in Kolkata starts exactly 30 minutes from now: still bookable; a minute later it is not.
    const mondayNineThirty = slots[0];
    expect(mondayNineThirty).toBe(`${doctor.userId}:2030-01-07T04:00:00.000Z`);
    const offered = async () => (await request(t.http).get(`/api/doctors/${doctor.userId}/slots?status=available`).expect(200))
      .body.items.map((s: { slotId: string }) => s.slotId);
    expect(await offered()).toContain(mondayNineThirty);
    t.clock.advanceMinutes(1);
    try {
      const res = await request(t.http).post('/api/appointments').set(bearer(otherPatient)).send({ slotId: mondayNineThirty }).expect(409);
      expect(res.body.code).toBe('slot_unavailable');
      // The board agrees: what booking refuses is not offered as available, nor listed as anything else.
      expect(await offered()).not.toContain(mondayNineThirty);
      const all = (await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200)).body.items;
      expect(all.map((s: { slotId: string }) => s.slotId)).not.toContain(mondayNineThirty);
      expect(all.map((s: { slotId: string }) => s.slotId)).toContain(slots[1]);
    } finally {
      t.clock.advanceMinutes(-1);
    }
  });

  it('a lapsed hold counts as free: a new booking takes it over and the old appointment expires', async () => {
    const slotId = tuesday(4);
    const first = await givenHold(t, otherPatient, slotId);
    t.clock.advanceMinutes(16);
    try {
      const board = await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200);
      expect(board.body.items.find((s: { slotId: string }) => s.slotId === slotId).status).toBe('available');
      const third = await givenUser(t, { role: 'patient' });
      const second = await givenHold(t, third, slotId);
      expect(second).not.toBe(first);
      const old = await request(t.http).get(`/api/appointments/${first}`).set(bearer(otherPatient)).expect(200);
      expect(old.body.status).toBe('expired');
      const late = await givenPayment(t, first);
      expect(late).toMatchObject({ confirmed: false, reason: 'hold_released' });
    } finally {
      t.clock.advanceMinutes(-16);
    }
  });

  it('payment confirms the booking once; the same payment again changes nothing', async () => {
    const appointmentId = await givenHold(t, otherPatient, tuesday(5));
    const paid = await givenPayment(t, appointmentId, 'wallet', 50_000, 'pay-1');
    expect(paid.confirmed).toBe(true);
    const again = await givenPayment(t, appointmentId, 'wallet', 50_000, 'pay-1');
    expect(again.confirmed).toBe(true);
    const other = await givenPayment(t, appointmentId, 'wallet', 50_000, 'pay-2');
    expect(other).toMatchObject({ confirmed: false, reason: 'paid_by_another' });
    const res = await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(otherPatient)).expect(200);
    expect(res.body).toMatchObject({ status: 'confirmed', payment: { paymentId: 'pay-1', method: 'wallet', paidPaise: 50_000 } });
    expect(res.body.holdExpiresAt).toBeUndefined();
    const slot = (await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200)).body.items
      .find((s: { slotId: string }) => s.slotId === tuesday(5));
    expect(slot.status).toBe('booked');
    const types = (await t.services.events.readStream(`slot-${tuesday(5)}`)).map((e) => e.type);
    expect(types).toEqual(['SlotPublished', 'SlotHeld', 'SlotBooked']);
    await expect(t.services.appointments.getAppointment(appointmentId)).resolves.toMatchObject({ status: 'confirmed', paymentMethod: 'wallet' });
  });

  it('a repeated request with the same Idempotency-Key holds once and answers the same', async () => {
    const send = () => request(t.http).post('/api/appointments').set(bearer(otherPatient)).set('Idempotency-Key', 'book-once').send({ slotId: slots[2] });
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const stream = await t.services.events.readStream(`slot-${slots[2]}`);
    expect(stream.filter((e) => e.type === 'SlotHeld')).toHaveLength(1);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await request(t.http).get('/api-docs.json').expect(200)).body;
    for (const path of ['/api/doctors', '/api/doctors/{doctorId}/slots', '/api/appointments', '/api/appointments/{id}/cancel', '/api/audit/streams/{streamId}/verify']) {
      expect(doc.paths[path]).toBeDefined();
    }
  });

  it('a payment racing a cancellation either confirms (and the cancellation refunds it) or is refused, never both or neither', async () => {
    const doctorCtx = { actor: { userId: doctor.userId, role: 'doctor' as const }, correlationId: 'race' };
    const racers = await givenUser(t, { role: 'patient' });
    const raced = await givenSlots(t, doctor, [{ day: 'fri', start: '09:00', end: '12:00' }]);
    const fridays = raced.filter((id) => id.includes('2030-01-11'));
    for (const slotId of fridays) {
      const appointmentId = await givenHold(t, racers, slotId);
      const [paid, cancelled] = await Promise.all([
        t.services.appointments.confirmBooking({ appointmentId, paymentId: `pay-${appointmentId}`, method: 'razorpay', paidPaise: 50_000 }, doctorCtx),
        t.services.appointments.cancel({ appointmentId }, doctorCtx),
      ]);
      const stream = (await t.services.events.readStream(`appointment-${appointmentId}`)).map((e) => e.type);
      expect(stream.at(-1)).toBe('AppointmentCancelled');
      if (paid.confirmed) {
        expect(stream).toEqual(['AppointmentRequested', 'AppointmentConfirmed', 'AppointmentCancelled']);
        expect(cancelled.refund).toEqual({ amountPaise: 50_000, destination: 'source', paymentId: `pay-${appointmentId}` });
      } else {
        expect(paid.reason).toBe('not_pending');
        expect(stream).toEqual(['AppointmentRequested', 'AppointmentCancelled']);
        expect(cancelled.refund).toBeNull();
      }
      const slot = (await t.services.events.readStream(`slot-${slotId}`)).at(-1)!;
      expect(slot.type).toBe('SlotReleased');
    }
  });

  it('lists a doctor\'s own appointments by status and time', async () => {
    const res = await request(t.http).get('/api/appointments').query({ status: 'confirmed', from: '2030-01-08T00:00:00Z' }).set(bearer(doctor)).expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ doctorId: doctor.userId, status: 'confirmed' });
    const none = await request(t.http).get('/api/appointments').query({ status: 'confirmed', to: '2030-01-08T00:00:00Z' }).set(bearer(doctor)).expect(200);
    expect(none.body.items).toEqual([]);
    await request(t.http).get('/api/appointments?status=lost').set(bearer(doctor)).expect(400);
  });

  it('pages a doctor\'s appointments with page and limit, telling the total; without them the whole list comes as before', async () => {
    const all = (await request(t.http).get('/api/appointments').set(bearer(doctor)).expect(200)).body;
    expect(all.total).toBeGreaterThan(1);
    expect(all).toMatchObject({ page: 1, total: all.items.length });
    const ids: string[] = [];
    for (let page = 1; page <= all.total; page += 1) {
      const res = await request(t.http).get('/api/appointments').query({ page, limit: 1 }).set(bearer(doctor)).expect(200);
      expect(res.body).toMatchObject({ page, total: all.total });
      ids.push(...res.body.items.map((a: { appointmentId: string }) => a.appointmentId));
    }
    expect(ids).toEqual(all.items.map((a: { appointmentId: string }) => a.appointmentId));
    const past = await request(t.http).get('/api/appointments').query({ page: all.total + 1, limit: 1 }).set(bearer(doctor)).expect(200);
    expect(past.body).toEqual({ items: [], page: all.total + 1, total: all.total });
    for (const bad of [{ limit: 0 }, { limit: 501 }, { page: 0 }]) {
      await request(t.http).get('/api/appointments').query(bad).set(bearer(doctor)).expect(400);
    }
  });

  it('the history lists the appointment\'s events with metadata for its parties', async () => {
    const list = await request(t.http).get('/api/appointments?status=confirmed').set(bearer(otherPatient)).expect(200);
    const { appointmentId } = list.body.items[0];
    const res = await request(t.http).get(`/api/appointments/${appointmentId}/history`).set(bearer(doctor)).expect(200);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['AppointmentRequested', 'AppointmentConfirmed']);
    expect(res.body.events[0]).toMatchObject({
      revision: 0, position: expect.any(Number), data: { appointmentId },
      metadata: { actor: { userId: otherPatient.userId, role: 'patient' }, at: '2030-01-07T03:30:00.000Z', correlationId: expect.any(String), causationId: expect.any(String) },
    });
    expect(res.body.events[1].metadata.actor).toEqual({ userId: 'system', role: 'system' });
  });
});
