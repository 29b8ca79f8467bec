import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ICAL from 'ical.js';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenHold, givenSlots, projected } from '../../support/booking.js';
import { labReportPdf } from '../../support/sampleReports.js';

/*
 * The clock starts on Monday 2030-01-07 09:00 in Kolkata (03:30 UTC). Slots: Tuesday and Wednesday
 * 09:00–12:00 there, 30 minutes each.
 */
describe('the doctor\'s calendar: subscription feed and day', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let nightOwl: GivenUser;
  let otherDoctor: GivenUser;
  let patient: GivenUser;
  let reader: GivenUser;
  let slots: string[];
  let confirmedId: string;
  let cancelledId: string;
  let heldId: string;
  let wednesdayId: string;
  let otherDoctorsId: string;
  let nightOwlsId: string;
  const at = (day: 'tue' | 'wed', i: number) => slots[{ tue: 0, wed: 6 }[day] + i];
  const days = ['tue', 'wed'].map((day) => ({ day, start: '09:00', end: '12:00' }));

  beforeAll(async () => {
    t = await startTestApp({ env: { JWT_EXPIRES_IN_SECONDS: String(30 * 24 * 3600) } });
    doctor = await givenUser(t, { role: 'doctor', name: 'Meera Iyer' });
    // Tuesday 09:00 in Kolkata is still Monday evening in New York.
    nightOwl = await givenUser(t, { role: 'doctor', doctor: { timezone: 'America/New_York' } });
    otherDoctor = await givenUser(t, { role: 'doctor' });
    patient = await givenUser(t, { role: 'patient', name: 'Asha Rao' });
    reader = await givenUser(t, { role: 'patient', name: 'Ravi Kumar' });
    slots = await givenSlots(t, doctor, days);
    const otherSlots = await givenSlots(t, otherDoctor, days);
    const nightOwlSlots = await givenSlots(t, nightOwl, days);
    confirmedId = await givenConfirmedAppointment(t, reader, at('tue', 0));
    cancelledId = await givenConfirmedAppointment(t, patient, at('tue', 2));
    await request(t.http).post(`/api/appointments/${cancelledId}/cancel`).set(bearer(doctor)).send({ reason: 'unwell' }).expect(200);
    heldId = await givenHold(t, patient, at('tue', 4));
    wednesdayId = await givenConfirmedAppointment(t, patient, at('wed', 0));
    otherDoctorsId = await givenConfirmedAppointment(t, patient, otherSlots[0]);
    nightOwlsId = await givenConfirmedAppointment(t, patient, nightOwlSlots[0]);
    await request(t.http).post('/api/reports').set(bearer(reader)).attach('file', await labReportPdf(['Haemoglobin 13.5 g/dL 12-16']), 'cbc.pdf').expect(201);
    await projected(t);
  });
  afterAll(async () => { await t.close(); });

  describe('subscription feed', () => {
    let token: string;
    const feed = (tok: string) => request(t.http).get('/api/doctors/me/calendar.ics').query({ token: tok });
    const vevents = (text: string) => new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));

    it('a doctor creates a token and gets the feed\'s address (201)', async () => {
      const res = await request(t.http).post('/api/doctors/me/calendar-token').set(bearer(doctor)).expect(201);
      token = res.body.token;
      expect(res.body.url).toBe(`http://localhost:0/api/doctors/me/calendar.ics?token=${encodeURIComponent(token)}`);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('only a hash of the token is recorded', async () => {
      const stream = await t.services.events.readStream(`calendar-feed-${doctor.userId}`);
      expect(stream.map((e) => e.type)).toEqual(['CalendarFeedTokenIssued']);
      expect(JSON.stringify(stream)).not.toContain(token.split('.')[1]);
    });

    it('the token alone opens the feed: the doctor\'s booked appointments, cancelled ones marked, nobody else\'s', async () => {
      const res = await feed(token).expect(200);
      expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
      const events = vevents(res.text);
      const byUid = new Map(events.map((e) => [e.uid, e]));
      expect([...byUid.keys()].sort()).toEqual([confirmedId, cancelledId, wednesdayId].map((id) => `appointment-${id}@healthvision`).sort());
      const confirmed = byUid.get(`appointment-${confirmedId}@healthvision`)!;
      expect(confirmed.summary).toBe('Consultation with Ravi Kumar');
      expect(confirmed.sequence).toBe(0);
      expect(confirmed.startDate.toJSDate().toISOString()).toBe('2030-01-08T03:30:00.000Z');
      const cancelled = byUid.get(`appointment-${cancelledId}@healthvision`)!;
      expect(cancelled.sequence).toBe(1);
      expect(cancelled.component.getFirstPropertyValue('status')).toBe('CANCELLED');
      expect(res.text).not.toContain(heldId);
      expect(res.text).not.toContain(otherDoctorsId);
    });

    it.each([
      ['garbage', 'not-a-token'],
      ['another doctor\'s id with a made-up secret', () => `${Buffer.from(otherDoctor.userId).toString('base64url')}.made-up`],
      ['the right doctor with a wrong secret', () => `${token.split('.')[0]}.${'x'.repeat(43)}`],
    ])('%s answers 404', async (_, tok) => {
      const res = await feed(typeof tok === 'function' ? tok() : tok).expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('no token answers 400', async () => {
      await request(t.http).get('/api/doctors/me/calendar.ics').expect(400);
    });

    it('creating a token again rotates it: the old one stops working at once', async () => {
      const rotated = (await request(t.http).post('/api/doctors/me/calendar-token').set(bearer(doctor)).expect(201)).body.token as string;
      expect(rotated).not.toBe(token);
      await feed(token).expect(404);
      await feed(rotated).expect(200);
      token = rotated;
    });

    it('revoking answers 204 and the token stops working at once; revoking again is harmless', async () => {
      await request(t.http).delete('/api/doctors/me/calendar-token').set(bearer(doctor)).expect(204);
      await feed(token).expect(404);
      await request(t.http).delete('/api/doctors/me/calendar-token').set(bearer(doctor)).expect(204);
    });

    it('a doctor rotating the token from several tabs at once: each gets a token or a 409 to retry, and exactly one token works', async () => {
      // Each rotation writes the same stream; the losers of the race retry, and past the retries answer
      // 409 concurrent_modification, which the document must declare (closing the app checks every answer).
      const answers = await Promise.all(Array.from({ length: 6 }, () => request(t.http).post('/api/doctors/me/calendar-token').set(bearer(otherDoctor))));
      expect(answers.map((a) => (a.status === 201 ? 201 : `${a.status} ${a.body.code}`)).filter((s) => s !== 201 && s !== '409 concurrent_modification')).toEqual([]);
      const issued = answers.filter((a) => a.status === 201).map((a) => a.body.token as string);
      expect(issued.length).toBeGreaterThan(0);
      const opened = await Promise.all(issued.map(async (tok) => (await feed(tok)).status));
      expect(opened.filter((s) => s === 200)).toHaveLength(1);
      expect(opened.filter((s) => s !== 200).every((s) => s === 404)).toBe(true);
    });

    it('only doctors manage feed tokens', async () => {
      await request(t.http).post('/api/doctors/me/calendar-token').set(bearer(patient)).expect(403);
      await request(t.http).delete('/api/doctors/me/calendar-token').expect(401);
    });
  });

  describe('the doctor\'s day', () => {
    const agenda = (who: GivenUser, date?: string) => request(t.http).get('/api/doctors/me/agenda').set(bearer(who)).query(date ? { date } : {});

    it('lists the day\'s booked appointments in order, with patient, status, shared reports and join window', async () => {
      const res = await agenda(doctor, '2030-01-08').expect(200);
      expect(res.body).toMatchObject({ date: '2030-01-08', timezone: 'Asia/Kolkata', from: '2030-01-07T18:30:00.000Z', to: '2030-01-08T18:30:00.000Z' });
      expect(res.body.items).toEqual([
        {
          appointmentId: confirmedId, patientId: reader.userId, patientName: 'Ravi Kumar', status: 'confirmed',
          start: '2030-01-08T03:30:00.000Z', end: '2030-01-08T04:00:00.000Z', sharedReports: true, sharedReportCount: 1,
          joinWindow: { opensAt: '2030-01-08T03:15:00.000Z', closesAt: '2030-01-08T04:30:00.000Z' }, joinableNow: false,
        },
        expect.objectContaining({ appointmentId: cancelledId, patientName: 'Asha Rao', status: 'cancelled', sharedReports: false, joinableNow: false }),
      ]);
    });

    it('a confirmed appointment is joinable inside its window', async () => {
      t.clock.set('2030-01-08T03:20:00.000Z');
      try {
        const res = await agenda(doctor, '2030-01-08').expect(200);
        expect(res.body.items.map((i: { joinableNow: boolean }) => i.joinableNow)).toEqual([true, false]);
      } finally {
        t.clock.set('2030-01-07T03:30:00.000Z');
      }
    });

    it('without a date it is today in the doctor\'s time zone', async () => {
      const res = await agenda(doctor).expect(200);
      expect(res.body.date).toBe('2030-01-07');
      expect(res.body.items).toEqual([]);
    });

    it('the day is the doctor\'s own: 09:00 Tuesday in Kolkata is Monday evening in New York', async () => {
      const monday = await agenda(nightOwl, '2030-01-07').expect(200);
      expect(monday.body.timezone).toBe('America/New_York');
      expect(monday.body.items.map((i: { appointmentId: string }) => i.appointmentId)).toEqual([nightOwlsId]);
      expect((await agenda(nightOwl, '2030-01-08').expect(200)).body.items).toEqual([]);
    });

    it('a doctor sees only their own appointments', async () => {
      const res = await agenda(otherDoctor, '2030-01-08').expect(200);
      expect(res.body.items.map((i: { appointmentId: string }) => i.appointmentId)).toEqual([otherDoctorsId]);
    });

    it.each([['not a date', 'tomorrow'], ['an impossible date', '2030-02-30']])('%s answers 400', async (_, date) => {
      await agenda(doctor, date).expect(400);
    });

    it('is for doctors only', async () => {
      await agenda(patient, '2030-01-08').expect(403);
      await request(t.http).get('/api/doctors/me/agenda').expect(401);
    });
  });
});
