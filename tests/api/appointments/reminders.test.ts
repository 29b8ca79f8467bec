import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import request from 'supertest';
import { SEND_REMINDER_JOB } from '../../../src/application/appointments/sendReminder.js';
import { appointmentStream } from '../../../src/domain/appointments/appointment.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenSlots } from '../../support/booking.js';
import { FakeTimeJobs } from '../../support/fakeTimeJobs.js';
import { contextModules } from '../../support/serviceModules.js';
import { eventually } from '../../support/polling.js';

/*
 * The clock starts on Monday 2030-01-07 09:00 in Kolkata (03:30 UTC). Slots: Tuesday, Wednesday and
 * Thursday, 09:00–12:00 there, 30 minutes each. Reminders: 24 h and 1 h ahead (the defaults).
 */
describe('appointment reminders', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let patient: GivenUser;
  let slots: string[];
  const at = (day: 'tue' | 'wed' | 'thu', i: number) => slots[{ tue: 0, wed: 6, thu: 12 }[day] + i];
  const reminders = (u: GivenUser, appointmentId: string) => t.services.devMailbox!.list(u.email)
    .filter((m) => m.subject.startsWith('Reminder') && m.text.includes(appointmentId));

  /** The pending reminder jobs of an appointment, as the scheduler holds them: offset → run time. */
  function pendingJobs(appointmentId: string): Record<number, string> {
    const db = new Database(t.config.sqliteFile, { readonly: true });
    try {
      const rows = db.prepare('SELECT next_run_at AS runAt, data FROM agenda_jobs WHERE name = ? AND next_run_at IS NOT NULL').all(SEND_REMINDER_JOB) as Array<{ runAt: number; data: string }>;
      return Object.fromEntries(rows.map((r) => ({ runAt: r.runAt, data: JSON.parse(r.data) as { appointmentId: string; offsetMinutes: number } }))
        .filter((r) => r.data.appointmentId === appointmentId)
        .map((r) => [r.data.offsetMinutes, new Date(r.runAt).toISOString()]));
    } finally {
      db.close();
    }
  }
  const jobsBecome = (appointmentId: string, expected: Record<number, string>) => eventually(() => { expect(pendingJobs(appointmentId)).toEqual(expected); });
  const reminderJob = () => contextModules(t.services).flatMap((m) => m.jobs ?? []).find((j) => j.name === SEND_REMINDER_JOB)!;

  beforeAll(async () => {
    t = await startTestApp({ env: { JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
    doctor = await givenUser(t, { role: 'doctor', name: 'Meera Iyer' });
    patient = await givenUser(t, { role: 'patient', name: 'Asha Rao' });
    slots = await givenSlots(t, doctor, ['tue', 'wed', 'thu'].map((day) => ({ day, start: '09:00', end: '12:00' })));
  });
  afterAll(async () => { await t.close(); });

  describe('a confirmed appointment on Wednesday 09:00 IST', () => {
    let appointmentId: string;
    const jobs = new FakeTimeJobs();
    beforeAll(async () => {
      t.clock.set('2030-01-07T03:30:00.000Z');
      appointmentId = await givenConfirmedAppointment(t, patient, at('wed', 0));
      await jobsBecome(appointmentId, { 1440: '2030-01-08T03:30:00.000Z', 60: '2030-01-09T02:30:00.000Z' });
    });

    it('sends nothing before the first offset', async () => {
      t.clock.set('2030-01-08T03:29:00.000Z');
      await jobs.runDue(t.services);
      expect(reminders(patient, appointmentId)).toEqual([]);
    });

    it('reminds patient and doctor 24 hours ahead, each in their own words, without the link yet', async () => {
      t.clock.set('2030-01-08T03:30:00.000Z');
      await jobs.runDue(t.services);
      const [toPatient] = reminders(patient, appointmentId);
      const [toDoctor] = reminders(doctor, appointmentId);
      expect(toPatient.subject).toBe('Reminder: your appointment with Dr. Meera Iyer starts in 24 hours');
      expect(toPatient.text).toContain('Wednesday, 9 January 2030 at 9:00 am IST');
      expect(toPatient.text).not.toContain('/demo/consultation');
      expect(toDoctor.subject).toBe('Reminder: consultation with Asha Rao starts in 24 hours');
    });

    it('the 1 hour reminder carries the consultation link', async () => {
      t.clock.set('2030-01-09T02:30:00.000Z');
      await jobs.runDue(t.services);
      for (const who of [patient, doctor]) {
        const [latest] = reminders(who, appointmentId);
        expect(latest.subject).toMatch(/starts in 1 hour$/);
        expect(latest.text).toContain(`http://localhost:0/demo/consultation?appointmentId=${appointmentId}`);
      }
      expect(reminders(patient, appointmentId)).toHaveLength(2);
    });

    it('a job run again (a crash before Agenda recorded it) sends nothing new', async () => {
      const runs = await new FakeTimeJobs().runDue(t.services);
      expect(runs.filter((r) => r.name === SEND_REMINDER_JOB && !r.error).length).toBeGreaterThanOrEqual(2);
      expect(reminders(patient, appointmentId)).toHaveLength(2);
      expect(reminders(doctor, appointmentId)).toHaveLength(2);
    });

    it('replaying the confirmation re-arms the same jobs, and they send nothing new', async () => {
      t.clock.set('2030-01-07T03:31:00.000Z');
      const reactor = t.services.appointments.reactors.find((r) => r.name === 'appointment-reminders')!;
      for (const event of await t.services.events.readStream(appointmentStream(appointmentId))) {
        if (reactor.handles.includes(event.type)) await reactor.react(event);
      }
      expect(pendingJobs(appointmentId)).toEqual({ 1440: '2030-01-08T03:30:00.000Z', 60: '2030-01-09T02:30:00.000Z' });
      t.clock.set('2030-01-09T02:30:00.000Z');
      await new FakeTimeJobs().runDue(t.services);
      expect(reminders(patient, appointmentId)).toHaveLength(2);
      expect(reminders(doctor, appointmentId)).toHaveLength(2);
    });
  });

  describe('changes', () => {
    it('a reschedule moves both reminders to the new start', async () => {
      t.clock.set('2030-01-07T03:30:00.000Z');
      const appointmentId = await givenConfirmedAppointment(t, patient, at('thu', 0));
      await jobsBecome(appointmentId, { 1440: '2030-01-09T03:30:00.000Z', 60: '2030-01-10T02:30:00.000Z' });
      await request(t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(patient)).send({ newSlotId: at('thu', 2) }).expect(200);
      await jobsBecome(appointmentId, { 1440: '2030-01-09T04:30:00.000Z', 60: '2030-01-10T03:30:00.000Z' });

      const jobs = new FakeTimeJobs();
      t.clock.set('2030-01-09T03:30:00.000Z');
      await jobs.runDue(t.services);
      expect(reminders(patient, appointmentId)).toEqual([]);
      t.clock.set('2030-01-09T04:30:00.000Z');
      await jobs.runDue(t.services);
      const [moved] = reminders(patient, appointmentId);
      expect(moved.text).toContain('Thursday, 10 January 2030 at 10:00 am IST');
    });

    it('a cancellation removes them, and a reminder job firing anyway does nothing', async () => {
      t.clock.set('2030-01-07T03:30:00.000Z');
      const appointmentId = await givenConfirmedAppointment(t, patient, at('thu', 4));
      await jobsBecome(appointmentId, { 1440: '2030-01-09T05:30:00.000Z', 60: '2030-01-10T04:30:00.000Z' });
      await request(t.http).post(`/api/appointments/${appointmentId}/cancel`).set(bearer(patient)).send({ reason: 'better' }).expect(200);
      await jobsBecome(appointmentId, {});

      t.clock.set('2030-01-10T04:30:00.000Z');
      await new FakeTimeJobs().runDue(t.services);
      const stale = { appointmentId, offsetMinutes: 60, start: '2030-01-10T05:30:00.000Z', correlationId: 'c', causationId: 'e' };
      await reminderJob().handler(stale, { attempt: 1, lastAttempt: true });
      expect(reminders(patient, appointmentId)).toEqual([]);
      expect(reminders(doctor, appointmentId)).toEqual([]);
    });

    it('a reminder whose time has already passed at confirmation is skipped; the later one stays', async () => {
      t.clock.set('2030-01-07T04:00:00.000Z');
      const appointmentId = await givenConfirmedAppointment(t, patient, at('tue', 1));
      await jobsBecome(appointmentId, { 60: '2030-01-08T03:00:00.000Z' });
    });
  });
});
