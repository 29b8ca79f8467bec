import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { RecordedEvent } from '../../../src/application/ports/eventStore.js';
import { handle } from '../../../src/application/eventSourcing/commandHandler.js';
import { appointmentDecider, cancelAppointment } from '../../../src/domain/appointments/appointment.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenHold, givenSlots } from '../../support/booking.js';

/*
 * The clock starts on Monday 2030-01-07 09:00 in Kolkata. Slots: Tuesday (24 h ahead), Wednesday
 * (48 h ahead) and Thursday, 09:00–12:00 local, 30 minutes each.
 */
describe('rescheduling, cancelling and concluding appointments', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let otherDoctor: GivenUser;
  let patient: GivenUser;
  let stranger: GivenUser;
  let slots: string[];
  let otherDoctorSlots: string[];
  const at = (day: 'tue' | 'wed' | 'thu', i: number) => slots[{ tue: 0, wed: 6, thu: 12 }[day] + i];
  const mailsTo = (u: GivenUser) => t.services.devMailbox!.list(u.email);

  beforeAll(async () => {
    // Tokens must outlive the clock's jumps to later days.
    t = await startTestApp({ env: { JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
    doctor = await givenUser(t, { role: 'doctor', name: 'Meera Iyer', doctor: { feePaise: 50_000 } });
    otherDoctor = await givenUser(t, { role: 'doctor' });
    patient = await givenUser(t, { role: 'patient' });
    stranger = await givenUser(t, { role: 'patient' });
    const days = ['tue', 'wed', 'thu'].map((day) => ({ day, start: '09:00', end: '12:00' }));
    slots = await givenSlots(t, doctor, days);
    otherDoctorSlots = await givenSlots(t, otherDoctor, days);
  });
  afterAll(async () => { await t.close(); });

  const slotStatus = async (slotId: string) => (await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200))
    .body.items.find((s: { slotId: string }) => s.slotId === slotId)?.status;

  const MAILED = ['AppointmentConfirmed', 'AppointmentRescheduled', 'AppointmentCancelled'];

  /** Waits (bounded) until the mail reactor has a receipt for every event it handles. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 200; i += 1) {
      const mailable = (await t.services.events.readAll({})).filter((e) => MAILED.includes(e.type));
      const receipts = await Promise.all(mailable.map((e) => t.services.reads.get('reactor_receipts', `booking-mail:${e.metadata.eventId}`)));
      if (receipts.every(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the booking-mail reactor did not catch up');
  }

  describe('reschedule', () => {
    let appointmentId: string;
    beforeAll(async () => { appointmentId = await givenConfirmedAppointment(t, patient, at('wed', 0)); });

    it('moves a confirmed appointment to a free slot of the same doctor: new slot booked, old slot freed', async () => {
      const res = await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient))
        .send({ newSlotId: at('wed', 2) }).expect(200);
      expect(res.body).toMatchObject({ appointmentId, slotId: at('wed', 2), start: '2030-01-09T04:30:00.000Z', status: 'confirmed' });
      expect(await slotStatus(at('wed', 2))).toBe('booked');
      expect(await slotStatus(at('wed', 0))).toBe('available');
      const released = (await t.services.events.readStream(`slot-${at('wed', 0)}`)).at(-1)!;
      expect(released).toMatchObject({ type: 'SlotReleased', data: { reason: 'rescheduled', appointmentId } });
    });

    it('tells the patient the old and the new time in their time zone', async () => {
      await settle();
      const alert = mailsTo(patient).find((m) => m.subject.includes('rescheduled'))!;
      expect(alert.text).toContain('Wednesday, 9 January 2030 at 9:00 am IST');
      expect(alert.text).toContain('Wednesday, 9 January 2030 at 10:00 am IST');
    });

    it('a taken slot answers 409 and nothing moves', async () => {
      await givenHold(t, stranger, at('wed', 3));
      const res = await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient))
        .send({ newSlotId: at('wed', 3) }).expect(409);
      expect(res.body.code).toBe('slot_unavailable');
      const still = await request(t.http).get(`/api/appointments/${appointmentId}`).set(bearer(patient)).expect(200);
      expect(still.body.slotId).toBe(at('wed', 2));
      expect(await slotStatus(at('wed', 2))).toBe('booked');
    });

    it('a lapsed hold on the new slot is taken over, and the appointment that held it expires', async () => {
      const moving = await givenConfirmedAppointment(t, patient, at('tue', 5));
      const lapsed = await givenHold(t, stranger, at('tue', 4));
      t.clock.advanceMinutes(16);
      try {
        await request(t.http).post(`/api/appointments/${moving}/reschedule`).set(bearer(patient)).send({ newSlotId: at('tue', 4) }).expect(200);
        expect(await slotStatus(at('tue', 4))).toBe('booked');
        expect(await slotStatus(at('tue', 5))).toBe('available');
        expect((await request(t.http).get(`/api/appointments/${lapsed}`).set(bearer(stranger)).expect(200)).body.status).toBe('expired');
      } finally {
        t.clock.advanceMinutes(-16);
      }
    });

    it('another doctor\'s slot is 400, a stranger gets 404, an unpaid appointment 409', async () => {
      await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: otherDoctorSlots[8] }).expect(400);
      await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(stranger)).send({ newSlotId: at('wed', 4) }).expect(404);
      const pending = await givenHold(t, stranger, at('thu', 5));
      await request(t.http).post(`/api/appointments/${pending}/reschedule`).set(bearer(stranger)).send({ newSlotId: at('thu', 4) }).expect(409);
      expect(await slotStatus(at('thu', 4))).toBe('available');
    });

    it('less than 2 hours before the start it is too late (409)', async () => {
      t.clock.set('2030-01-09T02:30:01.000Z'); // 1 h 59 min 59 s before 10:00 IST on Wednesday
      try {
        const res = await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient))
          .send({ newSlotId: at('thu', 0) }).expect(409);
        expect(res.body.code).toBe('too_late');
        t.clock.set('2030-01-09T02:30:00.000Z'); // exactly 2 hours: still allowed
        await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: at('thu', 0) }).expect(200);
      } finally {
        t.clock.set('2030-01-07T03:30:00.000Z');
      }
    });
  });

  describe('cancel', () => {
    const cancel = (u: GivenUser, id: string) => request(t.http).post(`/api/appointments/${id}/cancel`).set(bearer(u)).send({ reason: 'plans changed' });

    it.each([
      ['the patient, 48 h ahead: full refund to the card', 'wed', 1, 'patient', 'razorpay', { amountPaise: 50_000, destination: 'source' }],
      ['the patient, 24 h ahead: half', 'tue', 0, 'patient', 'razorpay', { amountPaise: 25_000, destination: 'source' }],
      ['the patient, paid from the wallet: back to the wallet', 'wed', 4, 'patient', 'wallet', { amountPaise: 50_000, destination: 'wallet' }],
      ['the doctor, 24 h ahead: full', 'tue', 1, 'doctor', 'hybrid', { amountPaise: 50_000, destination: 'source' }],
    ] as const)('by %s', async (_, day, i, who, method, refund) => {
      const id = await givenConfirmedAppointment(t, patient, at(day, i), method);
      const res = await cancel(who === 'patient' ? patient : doctor, id).expect(200);
      expect(res.body).toEqual({ appointment: expect.objectContaining({ appointmentId: id, status: 'cancelled', cancelledBy: who, refund }), refund });
      expect(await slotStatus(at(day, i))).toBe('available');
      const event = (await t.services.events.readStream(`appointment-${id}`)).at(-1)!;
      expect(event).toMatchObject({ type: 'AppointmentCancelled', data: { by: who, reason: 'plans changed', refund: { ...refund, paymentId: expect.any(String) } } });
    });

    it('an unpaid appointment cancels with nothing to refund', async () => {
      const id = await givenHold(t, patient, at('thu', 2));
      const res = await cancel(patient, id).expect(200);
      expect(res.body.refund).toBeNull();
      expect(res.body.appointment.status).toBe('cancelled');
    });

    it('the patient cannot cancel less than 2 hours ahead, the doctor still can', async () => {
      const id = await givenConfirmedAppointment(t, patient, at('tue', 2));
      t.clock.set('2030-01-08T02:30:01.000Z');
      try {
        expect((await cancel(patient, id).expect(409)).body.code).toBe('too_late');
        expect((await cancel(doctor, id).expect(200)).body.refund).toEqual({ amountPaise: 50_000, destination: 'source' });
      } finally {
        t.clock.set('2030-01-07T03:30:00.000Z');
      }
    });

    it('a cancelled appointment stays cancelled; strangers get 404', async () => {
      const id = await givenConfirmedAppointment(t, patient, at('tue', 3));
      await cancel(stranger, id).expect(404);
      await cancel(patient, id).expect(200);
      expect((await cancel(patient, id).expect(409)).body.code).toBe('appointment_not_changeable');
      await request(t.http).post(`/api/appointments/${id}/reschedule`).set(bearer(patient)).send({ newSlotId: at('thu', 3) }).expect(409);
    });

    it('a cancellation whose slot release was lost is repaired by the reactor', async () => {
      const id = await givenConfirmedAppointment(t, patient, at('thu', 1));
      // Append the cancellation alone, as if the process died before freeing the slot.
      await handle(t.services.handlerDeps, `appointment-${id}`, appointmentDecider,
        (a) => cancelAppointment(a, { appointmentId: id, actor: { userId: doctor.userId, role: 'doctor' }, reason: 'crash test', now: t.clock.now().toISOString() }),
        { actor: { userId: doctor.userId, role: 'doctor' }, correlationId: 'crash-test' });
      for (let i = 0; i < 100 && (await slotStatus(at('thu', 1))) !== 'available'; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await slotStatus(at('thu', 1))).toBe('available');
      const released = (await t.services.events.readStream(`slot-${at('thu', 1)}`)).at(-1)!;
      expect(released).toMatchObject({ type: 'SlotReleased', data: { reason: 'cancelled', appointmentId: id }, metadata: { actor: { role: 'system' } } });
    });

    it('sends a cancellation notice naming the refund', async () => {
      await settle();
      const notices = mailsTo(patient).filter((m) => m.subject.includes('cancelled'));
      expect(notices.map((m) => m.text)).toEqual(expect.arrayContaining([
        expect.stringContaining('A refund of ₹250.00 will go to your original payment method.'),
        expect.stringContaining('A refund of ₹500.00 will go to your HealthVision wallet.'),
        expect.stringContaining('Nothing was paid'),
      ]));
    });
  });

  describe('complete and no-show', () => {
    it('only the doctor, only after the start; then the status never changes again', async () => {
      const done = await givenConfirmedAppointment(t, patient, at('thu', 4));
      const missed = await givenConfirmedAppointment(t, patient, at('wed', 5));
      const post = (u: GivenUser, id: string, what: string) => request(t.http).post(`/api/appointments/${id}/${what}`).set(bearer(u)).send({});
      expect((await post(doctor, done, 'complete').expect(409)).body.code).toBe('not_started');
      t.clock.set('2030-01-10T06:00:00.000Z');
      try {
        await post(patient, done, 'complete').expect(403);
        await post(otherDoctor, done, 'complete').expect(404);
        expect((await post(doctor, done, 'complete').expect(200)).body.status).toBe('completed');
        expect((await post(doctor, missed, 'no-show').expect(200)).body.status).toBe('missed');
        await post(doctor, done, 'no-show').expect(409);
        await post(doctor, missed, 'complete').expect(409);
        await request(t.http).post(`/api/appointments/${done}/cancel`).set(bearer(doctor)).send({}).expect(409);
      } finally {
        t.clock.set('2030-01-07T03:30:00.000Z');
      }
    });
  });

  describe('e-mails', () => {
    it('each confirmation, reschedule and cancellation is mailed once, even when the reactor sees the events again', async () => {
      await settle();
      const before = mailsTo(patient).length;
      const all = await t.services.events.readAll({});
      const mailable = all.filter((e) => MAILED.includes(e.type));
      expect(before).toBe(mailable.length);
      expect(mailsTo(patient).filter((m) => m.subject.startsWith('Appointment confirmed with Dr. Meera Iyer'))).toHaveLength(
        mailable.filter((e) => e.type === 'AppointmentConfirmed').length,
      );
      const reactor = t.services.appointments.reactors.find((r) => r.name === 'booking-mail')!;
      for (const event of mailable as RecordedEvent[]) await reactor.react(event);
      expect(mailsTo(patient)).toHaveLength(before);
      const box = await request(t.http).get('/api/dev/mailbox').query({ to: patient.email }).expect(200);
      expect(box.body.items).toHaveLength(before);
    });
  });
});
