import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ICAL from 'ical.js';
import request from 'supertest';
import type { HeldMail } from '../../../src/infrastructure/mail/devMailbox.js';
import { appointmentStream } from '../../../src/domain/appointments/appointment.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenSlots } from '../../support/booking.js';
import { eventually } from '../../support/polling.js';

/** The clock starts on Monday 2030-01-07 09:00 in Kolkata; slots on Wednesday and Thursday 09:00–12:00 there. */
describe('calendar invitations with booking e-mails', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let patient: GivenUser;
  let slots: string[];
  let appointmentId: string;
  const at = (day: 'wed' | 'thu', i: number) => slots[{ wed: 0, thu: 6 }[day] + i];

  function invite(mail: HeldMail) {
    expect(mail.attachments).toHaveLength(1);
    const [file] = mail.attachments!;
    const calendar = new ICAL.Component(ICAL.parse(file.content));
    const vevents = calendar.getAllSubcomponents('vevent');
    expect(vevents).toHaveLength(1);
    const event = new ICAL.Event(vevents[0]);
    return {
      file, method: calendar.getFirstPropertyValue('method'), uid: event.uid, sequence: event.sequence,
      start: event.startDate.toJSDate().toISOString(), end: event.endDate.toJSDate().toISOString(),
      attendees: event.attendees.map((a) => a.getFirstValue()),
    };
  }
  /** The patient's e-mail with this subject (the test has one appointment). */
  const mailWith = async (subject: string) => {
    let found: HeldMail | undefined;
    await eventually(() => {
      found = t.services.devMailbox!.list(patient.email).find((m) => m.subject.includes(subject));
      expect(found).toBeDefined();
    });
    return found!;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
    doctor = await givenUser(t, { role: 'doctor', name: 'Meera Iyer' });
    patient = await givenUser(t, { role: 'patient' });
    slots = await givenSlots(t, doctor, ['wed', 'thu'].map((day) => ({ day, start: '09:00', end: '12:00' })));
    appointmentId = await givenConfirmedAppointment(t, patient, at('wed', 0));
  });
  afterAll(async () => { await t.close(); });

  it('the confirmation carries a REQUEST with the appointment\'s UID, SEQUENCE 0 and its times', async () => {
    const sent = invite(await mailWith('confirmed'));
    expect(sent).toMatchObject({
      method: 'REQUEST', uid: `appointment-${appointmentId}@healthvision`, sequence: 0,
      start: '2030-01-09T03:30:00.000Z', end: '2030-01-09T04:00:00.000Z',
    });
    expect(sent.file).toMatchObject({ filename: 'invite.ics', contentType: 'text/calendar; charset=utf-8; method=REQUEST' });
    expect(sent.attendees).toEqual([`mailto:${patient.email}`, `mailto:${doctor.email}`]);
  });

  it('each reschedule sends a REQUEST for the same UID with a higher SEQUENCE and the new time', async () => {
    await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: at('thu', 1) }).expect(200);
    await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: at('thu', 3) }).expect(200);
    await eventually(() => {
      expect(t.services.devMailbox!.list(patient.email).filter((m) => m.subject.includes('rescheduled'))).toHaveLength(2);
    });
    const [second, first] = t.services.devMailbox!.list(patient.email).filter((m) => m.subject.includes('rescheduled')).map(invite);
    expect(first).toMatchObject({ method: 'REQUEST', uid: `appointment-${appointmentId}@healthvision`, sequence: 1, start: '2030-01-10T04:00:00.000Z' });
    expect(second).toMatchObject({ method: 'REQUEST', uid: `appointment-${appointmentId}@healthvision`, sequence: 2, start: '2030-01-10T05:00:00.000Z' });
  });

  it('the cancellation sends a CANCEL for the same UID with a higher SEQUENCE still', async () => {
    await request(t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(doctor)).send({ reason: 'unwell' }).expect(200);
    const sent = invite(await mailWith('cancelled'));
    expect(sent).toMatchObject({ method: 'CANCEL', uid: `appointment-${appointmentId}@healthvision`, sequence: 3, start: '2030-01-10T05:00:00.000Z' });
    expect(sent.file).toMatchObject({ filename: 'cancel.ics', contentType: 'text/calendar; charset=utf-8; method=CANCEL' });
  });

  it('a replayed event builds the same file and sends no second e-mail', async () => {
    const before = t.services.devMailbox!.list(patient.email).length;
    const reactor = t.services.appointments.reactors.find((r) => r.name === 'booking-mail')!;
    const confirmation = (await t.services.events.readStream(appointmentStream(appointmentId))).find((e) => e.type === 'AppointmentConfirmed')!;
    await reactor.react(confirmation);
    expect(t.services.devMailbox!.list(patient.email)).toHaveLength(before);
    const again = await t.services.appointments.inviteFor(confirmation);
    expect(again?.content).toBe(invite(await mailWith('confirmed')).file.content);
  });

  it('the development mailbox shows the attachments over HTTP', async () => {
    const res = await request(t.http).get('/api/dev/mailbox').query({ to: patient.email }).expect(200);
    const cancelled = res.body.items.find((m: HeldMail) => m.subject.includes('cancelled'));
    expect(cancelled.attachments[0].content).toContain('METHOD:CANCEL');
  });
});
