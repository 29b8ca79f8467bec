import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { handle } from '../../../src/application/eventSourcing/commandHandler.js';
import { appointmentDecider, cancelAppointment } from '../../../src/domain/appointments/appointment.js';
import { systemActor } from '../../../src/domain/shared/event.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenHold, givenSlots, projected } from '../../support/booking.js';
import { eventually } from '../../support/polling.js';

/*
 * What a real client does to the saga's multi-step commands: retry them under one Idempotency-Key,
 * and lose the process between their appends. Slots: Wednesday 09:00–14:00 Kolkata (48 h ahead).
 */
describe('reschedules and confirmations under retries and crashes', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let patient: GivenUser;
  let other: GivenUser;
  let slots: string[];

  beforeAll(async () => {
    t = await startTestApp({ env: { JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
    doctor = await givenUser(t, { role: 'doctor', doctor: { feePaise: 50_000 } });
    patient = await givenUser(t, { role: 'patient' });
    other = await givenUser(t, { role: 'patient' });
    slots = await givenSlots(t, doctor, [{ day: 'wed', start: '09:00', end: '14:00' }]);
  });
  afterAll(async () => { await t.close(); });

  const slotStatus = async (slotId: string) => {
    await projected(t);
    return (await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200)).body.items.find((s: { slotId: string }) => s.slotId === slotId)?.status;
  };
  const lastSlotEvent = async (slotId: string) => (await t.services.events.readStream(`slot-${slotId}`)).at(-1);

  it('a reschedule sent with an Idempotency-Key books the new slot, and its repeat changes nothing', async () => {
    const appointmentId = await givenConfirmedAppointment(t, patient, slots[0]);
    const send = () => request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient))
      .set('Idempotency-Key', 'move-1').send({ newSlotId: slots[1] });
    expect((await send().expect(200)).body).toMatchObject({ slotId: slots[1], status: 'confirmed' });
    expect(await lastSlotEvent(slots[1])).toMatchObject({ type: 'SlotBooked', data: { appointmentId } });
    expect(await slotStatus(slots[1])).toBe('booked');
    expect(await slotStatus(slots[0])).toBe('available');
    const head = await t.services.events.headPosition();
    await send().expect(200);
    expect(await t.services.events.headPosition()).toBe(head);
    // Once the new slot's hold would have lapsed, nobody else can take it.
    t.clock.advanceMinutes(16);
    try {
      await request(t.http).post('/api/appointments').set(bearer(other)).send({ slotId: slots[1] }).expect(409);
    } finally {
      t.clock.advanceMinutes(-16);
    }
  });

  it('a reschedule retried after its answer was lost (the same key reaching the command again) changes nothing more', async () => {
    const appointmentId = await givenConfirmedAppointment(t, patient, slots[5]);
    const ctx = { actor: { userId: patient.userId, role: 'patient' as const }, correlationId: 'lost-answer', idempotencyKey: 'move-lost-answer' };
    await t.services.appointments.reschedule({ appointmentId, newSlotId: slots[6] }, ctx);
    const head = await t.services.events.headPosition();
    await t.services.appointments.reschedule({ appointmentId, newSlotId: slots[6] }, ctx);
    expect(await t.services.events.headPosition()).toBe(head);
    expect(await lastSlotEvent(slots[6])).toMatchObject({ type: 'SlotBooked', data: { appointmentId } });
    // Another request asking to move it where it already is stays a mistake.
    const other = { ...ctx, idempotencyKey: 'move-again' };
    await expect(t.services.appointments.reschedule({ appointmentId, newSlotId: slots[6] }, other)).rejects.toMatchObject({ code: 'same_slot' });
  });

  it('a reschedule whose process dies after moving the appointment still frees the old slot and books the new one', async () => {
    const appointmentId = await givenConfirmedAppointment(t, patient, slots[2]);
    const events = t.services.events;
    const append = events.append.bind(events);
    // The process "dies" at the first slot append after the move: nothing more of the command runs.
    let crashed = false;
    events.append = async (streamId, toAppend, expected) => {
      if (!crashed && streamId.startsWith('slot-') && toAppend.some((e) => e.type === 'SlotBooked' || e.type === 'SlotReleased')) {
        crashed = true;
        throw new Error('process died');
      }
      return append(streamId, toAppend, expected);
    };
    try {
      await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: slots[3] }).expect(500);
    } finally {
      events.append = append;
    }
    expect(crashed).toBe(true);
    await eventually(async () => {
      expect(await slotStatus(slots[2])).toBe('available');
      expect(await slotStatus(slots[3])).toBe('booked');
    });
    expect(await lastSlotEvent(slots[2])).toMatchObject({ type: 'SlotReleased', data: { reason: 'rescheduled', appointmentId } });
  });

  it('a payment confirming under an Idempotency-Key an appointment cancelled meanwhile gives the slot back', async () => {
    const appointmentId = await givenHold(t, patient, slots[4]);
    const events = t.services.events;
    const append = events.append.bind(events);
    // The patient's cancellation lands right after the payment booked the slot, before it confirms;
    // with the reactors held back, only the payment's own give-back can free the slot.
    await t.services.reactors.stop();
    events.append = async (streamId, toAppend, expected) => {
      const result = await append(streamId, toAppend, expected);
      if (toAppend.some((e) => e.type === 'SlotBooked')) {
        events.append = append;
        await handle(t.services.handlerDeps, `appointment-${appointmentId}`, appointmentDecider,
          (a) => cancelAppointment(a, { appointmentId, actor: { userId: patient.userId, role: 'patient' }, reason: 'changed my mind', now: t.clock.now().toISOString() }),
          { actor: { userId: patient.userId, role: 'patient' }, correlationId: 'cancel-meanwhile' });
      }
      return result;
    };
    try {
      const outcome = await t.services.appointments.confirmBooking({ appointmentId, paymentId: 'pay-late', method: 'razorpay', paidPaise: 50_000 },
        { actor: systemActor, correlationId: 'late-payment', idempotencyKey: 'verify-1' });
      expect(outcome).toMatchObject({ confirmed: false, reason: 'not_pending' });
    } finally {
      events.append = append;
      await t.services.reactors.start();
    }
    const released = (await events.readStream(`slot-${slots[4]}`)).filter((e) => e.type === 'SlotReleased');
    expect(released.map((e) => e.data)).toContainEqual(expect.objectContaining({ reason: 'abandoned', appointmentId }));
    expect(await slotStatus(slots[4])).toBe('available');
  });
});
