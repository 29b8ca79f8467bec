import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { systemActor } from '../../src/domain/shared/event.js';
import type { PaymentMethod } from '../../src/domain/appointments/appointment.js';
import type { GivenUser } from './identity.js';
import type { TestApp } from './testApp.js';

export const bearer = (u: GivenUser) => ({ Authorization: `Bearer ${u.token}` });

export interface WeeklyRange { day: string; start: string; end: string }

/**
 * Publishes the doctor's availability over HTTP and returns the slot ids, earliest first. The default
 * test clock is Monday 2030-01-07 09:00 in Kolkata; the default template is Tuesday 09:00–12:00 there.
 */
export async function givenSlots(t: TestApp, doctor: GivenUser, weekly: WeeklyRange[] = [{ day: 'tue', start: '09:00', end: '12:00' }], days = 7): Promise<string[]> {
  await request(t.http).put('/api/doctors/me/availability').set(bearer(doctor))
    .send({ timezone: 'Asia/Kolkata', slotMinutes: 30, days, weekly }).expect(200);
  const res = await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).query({ to: '2099-01-01T00:00:00Z' }).expect(200);
  return res.body.items.map((s: { slotId: string }) => s.slotId);
}

/** Waits until every read model has caught up with everything written so far. */
export async function projected(t: TestApp): Promise<void> {
  await t.services.projections.waitFor(await t.services.events.headPosition());
}

/** Holds a slot for the patient and returns the new appointment's id (expects 201), once projected. */
export async function givenHold(t: TestApp, patient: GivenUser, slotId: string): Promise<string> {
  const res = await request(t.http).post('/api/appointments').set(bearer(patient)).send({ slotId }).expect(201);
  await projected(t);
  return res.body.appointmentId as string;
}

/** What payments does once money is captured: the ConfirmBooking command, then read-your-writes. */
export async function givenPayment(t: TestApp, appointmentId: string, method: PaymentMethod = 'razorpay', paidPaise = 50_000, paymentId = `pay-${randomUUID()}`) {
  const result = await t.services.appointments.confirmBooking(
    { appointmentId, paymentId, method, paidPaise }, { actor: systemActor, correlationId: `test-${randomUUID()}` },
  );
  await t.services.projections.waitFor(result.position);
  return { ...result, paymentId };
}

/** A confirmed appointment on the given slot. */
export async function givenConfirmedAppointment(t: TestApp, patient: GivenUser, slotId: string, method: PaymentMethod = 'razorpay'): Promise<string> {
  const appointmentId = await givenHold(t, patient, slotId);
  const paid = await givenPayment(t, appointmentId, method);
  if (!paid.confirmed) throw new Error(`could not confirm ${appointmentId}: ${paid.reason}`);
  return appointmentId;
}
