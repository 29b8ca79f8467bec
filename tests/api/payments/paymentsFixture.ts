import { expect } from '@jest/globals';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { systemActor } from '../../../src/domain/shared/event.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenHold, givenSlots } from '../../support/booking.js';

export const FEE = 50_000;
export { bearer };

export { eventually } from '../../support/polling.js';

export interface PaymentsWorld {
  t: TestApp;
  doctor: GivenUser;
  patient: GivenUser;
  slots: string[];
  close(): Promise<void>;
}

export async function paymentsWorld(options: TestAppOptions = {}): Promise<PaymentsWorld> {
  const t = await startTestApp(options);
  const doctor = await givenUser(t, { role: 'doctor', doctor: { feePaise: FEE } });
  const patient = await givenUser(t, { role: 'patient' });
  const slots = await givenSlots(t, doctor);
  return {
    t, doctor, patient, slots,
    close: async () => {
      await t.services.razorpaySimulator?.idle();
      await t.close();
    },
  };
}

export const simulator = (t: TestApp) => {
  if (!t.services.razorpaySimulator) throw new Error('the simulator is not configured');
  return t.services.razorpaySimulator;
};

export async function hold(w: PaymentsWorld, slotIndex = 0): Promise<string> {
  return givenHold(w.t, w.patient, w.slots[slotIndex]);
}

export async function initiate(w: PaymentsWorld, body: Record<string, unknown>, expectStatus = 201) {
  return request(w.t.http).post('/api/payments/initiate').set(bearer(w.patient)).send(body).expect(expectStatus);
}

export async function checkout(w: PaymentsWorld, orderId: string, outcome: 'success' | 'failure', deliverWebhook = true) {
  return (await request(w.t.http).post('/api/dev/razorpay/checkout').send({ orderId, outcome, deliverWebhook }).expect(200)).body;
}

export async function appointmentStatus(w: PaymentsWorld, appointmentId: string): Promise<string> {
  return (await request(w.t.http).get(`/api/appointments/${appointmentId}`).set(bearer(w.patient)).expect(200)).body.status;
}

export async function wallet(w: PaymentsWorld, user: GivenUser = w.patient) {
  return (await request(w.t.http).get('/api/wallet').set(bearer(user)).expect(200)).body as { balancePaise: number; reservedPaise: number; availablePaise: number };
}

export async function eventTypes(t: TestApp, streamId: string): Promise<string[]> {
  return (await t.services.events.readStream(streamId)).map((e) => e.type);
}

/** Tops up the patient's wallet through the simulator (checkout, then verify). */
export async function topUp(w: PaymentsWorld, amountPaise: number): Promise<void> {
  const before = (await wallet(w)).balancePaise;
  const res = await request(w.t.http).post('/api/wallet/topup').set(bearer(w.patient)).send({ amountPaise }).expect(201);
  const proof = await checkout(w, res.body.razorpay.orderId, 'success', false);
  await request(w.t.http).post('/api/payments/verify').send(proof).expect(200);
  expect((await wallet(w)).balancePaise).toBe(before + amountPaise);
}

/** What the hold's timer does when it fires (the fake clock never reaches the real scheduler). */
export async function expireHold(w: PaymentsWorld, appointmentId: string): Promise<void> {
  const appointment = await w.t.services.appointments.getAppointment(appointmentId);
  w.t.clock.set(new Date(Date.parse(appointment!.holdExpiresAt!) + 1000));
  await w.t.services.appointments.releaseSlotHold({ appointmentId, slotId: appointment!.slotId }, { actor: systemActor, correlationId: `test-${randomUUID()}` });
}
