import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenHold, givenSlots, projected } from '../../support/booking.js';
import { FakeTimeJobs } from '../../support/fakeTimeJobs.js';
import { DIABETIC_PANEL, labReportPdf } from '../../support/sampleReports.js';
import { verifyLedger } from '../../../src/application/audit/ledgerVerification.js';
import { openLedgerForAudit } from '../../../src/infrastructure/audit/ledgerWiring.js';
import { legacyEmailStream } from '../../../src/application/identity/identityStreams.js';
import { systemActor } from '../../../src/domain/shared/event.js';

const tag = randomUUID().slice(0, 8);
const secrets = {
  patientName: `Asha Kulkarni ${tag}`,
  patientEmail: `asha.${tag}@example.test`,
  doctorName: `Dr Meera Iyer ${tag}`,
  doctorEmail: `meera.${tag}@example.test`,
  doctorBio: `Cardiologist who trained in Pune ${tag}`,
  cancelReason: `my mother is in hospital ${tag}`,
  reportTitle: `Blood sugar panel ${tag}`,
  question: `Is my sugar ${tag} dangerous?`,
};
const password = `pw-${randomUUID()}`;

/** Every row of every table in the service's SQLite file, as text, per table. */
function rowsByTable(t: TestApp): Map<string, string> {
  const db = new Database(t.config.sqliteFile, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    return new Map(tables.map(({ name }) => [name, JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())]));
  } finally {
    db.close();
  }
}

/** Which of the secrets appear (case-insensitively) in plain text in which table. */
function plaintextIn(t: TestApp, only?: (table: string) => boolean): string[] {
  const found: string[] = [];
  for (const [table, text] of rowsByTable(t)) {
    if (only && !only(table)) continue;
    for (const [what, secret] of Object.entries(secrets)) if (text.toLowerCase().includes(secret.toLowerCase())) found.push(`${what} in ${table}`);
  }
  return found;
}

async function signUpPatient(t: TestApp): Promise<GivenUser> {
  const signUp = await request(t.http).post('/api/auth/signup')
    .send({ name: secrets.patientName, email: secrets.patientEmail, password, role: 'patient' }).expect(201);
  const mail = await request(t.http).get('/api/dev/mailbox').query({ to: secrets.patientEmail }).expect(200);
  const otp = /\bcode (\d{6})\b/.exec(mail.body.items.at(-1).text)![1];
  const verified = await request(t.http).post('/api/auth/verify-otp').send({ email: secrets.patientEmail, otp }).expect(200);
  return { userId: signUp.body.userId, token: verified.body.token, email: secrets.patientEmail, password };
}

describe('personal data: encrypted in events, exported on request, forgotten on erasure', () => {
  let t: TestApp;
  let patient: GivenUser;
  let doctor: GivenUser;
  let admin: GivenUser;
  let auditor: GivenUser;
  let confirmedId: string;
  let cancelledId: string;
  let reportId: string;
  const jobs = new FakeTimeJobs();

  beforeAll(async () => {
    t = await startTestApp();
    doctor = await givenUser(t, { role: 'doctor', name: secrets.doctorName, email: secrets.doctorEmail, doctor: { bio: secrets.doctorBio } });
    admin = await givenUser(t, { role: 'admin' });
    auditor = await givenUser(t, { role: 'auditor' });
    patient = await signUpPatient(t);
    const slots = await givenSlots(t, doctor);
    confirmedId = await givenHold(t, patient, slots[0]);
    const payment = await request(t.http).post('/api/payments/initiate').set(bearer(patient)).send({ appointmentId: confirmedId, method: 'razorpay' }).expect(201);
    const paid = await request(t.http).post('/api/dev/razorpay/checkout').send({ orderId: payment.body.razorpay.orderId, outcome: 'success', deliverWebhook: false }).expect(200);
    await request(t.http).post('/api/payments/verify').send(paid.body).expect(200);
    cancelledId = await givenHold(t, patient, slots[1]);
    await request(t.http).post(`/api/appointments/${cancelledId}/cancel`).set(bearer(patient)).send({ reason: secrets.cancelReason }).expect(200);
    const upload = await request(t.http).post('/api/reports').set(bearer(patient))
      .field('title', secrets.reportTitle).attach('file', await labReportPdf(DIABETIC_PANEL), 'labs.pdf').expect(201);
    reportId = upload.body.reportId;
    // The analysis job runs when the fake clock says so; the reactor that schedules it may need a moment.
    const deadline = Date.now() + 10_000;
    while ((await request(t.http).get(`/api/reports/${reportId}`).set(bearer(patient))).body.status === 'analyzing') {
      if (Date.now() > deadline) throw new Error('the report was never analysed');
      await jobs.runDue(t.services);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await request(t.http).post(`/api/reports/${reportId}/chat`).set(bearer(patient)).send({ message: secrets.question }).expect(200);
    await projected(t);
  });
  afterAll(async () => {
    await t.services.razorpaySimulator?.idle();
    await t.close();
  });

  const erase = (userId: string, who: GivenUser | null = admin) => {
    const call = request(t.http).delete(`/api/admin/users/${userId}/personal-data`);
    return who ? call.set(bearer(who)) : call;
  };
  const verify = (streamId: string) => request(t.http).get(`/api/audit/streams/${encodeURIComponent(streamId)}/verify`).set(bearer(auditor));

  it('names, e-mail addresses and free text never reach the event log in plain text', () => {
    expect(plaintextIn(t, (table) => table === 'events')).toEqual([]);
  });

  it('yet everyone entitled to them reads them as written', async () => {
    // The read models hold them, which also shows the scan below would see them.
    expect(plaintextIn(t).length).toBeGreaterThanOrEqual(Object.keys(secrets).length);
    expect((await request(t.http).get('/api/auth/me').set(bearer(patient)).expect(200)).body).toMatchObject({ name: secrets.patientName, email: secrets.patientEmail });
    expect((await request(t.http).get(`/api/doctors/${doctor.userId}`).expect(200)).body).toMatchObject({ name: secrets.doctorName, bio: secrets.doctorBio });
    const history = await request(t.http).get(`/api/appointments/${cancelledId}/history`).set(bearer(patient)).expect(200);
    expect(history.body.events.at(-1).data).toMatchObject({ reason: secrets.cancelReason });
    expect((await request(t.http).get(`/api/reports/${reportId}`).set(bearer(patient)).expect(200)).body.title).toBe(secrets.reportTitle);
  });

  describe('the export', () => {
    it('gives the signed-in patient all their data as a JSON file', async () => {
      await request(t.http).get(`/api/appointments/${confirmedId}`).set(bearer(doctor)).expect(200);
      await projected(t);
      const res = await request(t.http).get('/api/users/me/export').set(bearer(patient)).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="healthvision-data-${patient.userId}.json"`);
      const data = res.body;
      expect(data).toMatchObject({
        format: 'healthvision-personal-data', version: 1,
        profile: { id: patient.userId, name: secrets.patientName, email: secrets.patientEmail, role: 'patient', emailVerified: true },
      });
      expect(data.appointments.map((a: { appointmentId: string; status: string }) => [a.appointmentId, a.status]))
        .toEqual(expect.arrayContaining([[confirmedId, 'confirmed'], [cancelledId, 'cancelled']]));
      expect(data.payments).toEqual([expect.objectContaining({ appointmentId: confirmedId, status: 'captured', amountPaise: 50_000 })]);
      expect(data.reports).toEqual([expect.objectContaining({
        reportId, title: secrets.reportTitle, status: 'analyzed',
        analysis: expect.objectContaining({ urgency: 'medium' }),
        chat: [expect.objectContaining({ question: secrets.question, urgency: 'medium' })],
      })]);
      expect(data.reports[0].storageKey).toBeUndefined();
      expect(data).toHaveProperty('wallet');
      expect(Array.isArray(data.walletTransactions)).toBe(true);
      expect(Array.isArray(data.consultations)).toBe(true);
      // The doctor read the patient's appointment as its treating doctor: the patient sees who.
      expect(data.accessLog).toEqual(expect.arrayContaining([
        expect.objectContaining({ readerId: doctor.userId, reason: 'treating_doctor', record: { kind: 'appointment', id: confirmedId } }),
      ]));
    });

    it('a doctor gets their own profile and the appointments they hold, nobody else\'s data', async () => {
      const data = (await request(t.http).get('/api/users/me/export').set(bearer(doctor)).expect(200)).body;
      expect(data.profile).toMatchObject({ id: doctor.userId, name: secrets.doctorName, bio: secrets.doctorBio });
      expect(data.appointments.map((a: { appointmentId: string }) => a.appointmentId)).toEqual(expect.arrayContaining([confirmedId, cancelledId]));
      expect(data.payments).toEqual([]);
      expect(data.reports).toEqual([]);
    });

    it('needs a signed-in user', async () => {
      const res = await request(t.http).get('/api/users/me/export').expect(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });
  });

  describe('erasure is refused', () => {
    it.each([
      ['to a patient', () => patient, 403],
      ['to an auditor', () => auditor, 403],
      ['without a token', () => null, 401],
    ])('%s', async (_, who, status) => {
      const res = await erase(patient.userId, who()).expect(status);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });

    it('for an id that is no user id (400) or no user (404), changing nothing', async () => {
      const before = await t.services.events.headPosition();
      expect((await erase('not%20an%20id!').expect(400)).headers['content-type']).toMatch(/problem\+json/);
      expect((await erase('x'.repeat(101)).expect(400)).body.status).toBe(400);
      expect((await erase(randomUUID()).expect(404)).headers['content-type']).toMatch(/problem\+json/);
      expect(await t.services.events.headPosition()).toBe(before);
    });
  });

  describe('after the patient and the doctor are erased', () => {
    let first: { userId: string; erasedAt: string };

    beforeAll(async () => {
      first = (await erase(patient.userId).expect(200)).body;
      await erase(doctor.userId).expect(200);
    });

    it('answers who was erased and when, and a repeat changes nothing', async () => {
      expect(first).toEqual({ userId: patient.userId, erasedAt: t.clock.now().toISOString() });
      const before = await t.services.events.readStream(`user-${patient.userId}`, { raw: true });
      t.clock.advanceMinutes(1);
      expect((await erase(patient.userId).expect(200)).body).toEqual(first);
      expect(await t.services.events.readStream(`user-${patient.userId}`, { raw: true })).toEqual(before);
      expect(before.filter((e) => e.type === 'PersonalDataErased')).toEqual([
        expect.objectContaining({ data: { userId: patient.userId, erasedAt: first.erasedAt }, metadata: expect.objectContaining({ actor: { userId: admin.userId, role: 'admin' } }) }),
      ]);
    });

    it('no name, e-mail address or free text about them is readable anywhere in the database', () => {
      expect(plaintextIn(t)).toEqual([]);
    });

    it('every chain they touched still verifies: their account, appointments, payment, slot and report', async () => {
      const streams = (await t.services.events.readAll({ maxCount: 10_000 })).map((e) => e.streamId);
      const touched = [...new Set(streams)].filter((s) => s.includes(patient.userId) || s.includes(doctor.userId)
        || s.includes(confirmedId) || s.includes(cancelledId) || s.includes(reportId) || s.startsWith('payment-') || s.startsWith('email-') || s.startsWith('slot-'));
      expect(touched.length).toBeGreaterThanOrEqual(8);
      for (const streamId of touched) expect({ streamId, ...(await verify(streamId).expect(200)).body }).toEqual({ streamId, valid: true, events: expect.any(Number) });
    });

    it('the whole ledger still verifies, as the offline audit tool reads it', async () => {
      const opened = await openLedgerForAudit(t.config);
      try {
        const verdict = await verifyLedger({ events: opened.events, store: opened.store });
        expect(verdict).toMatchObject({ valid: true, breaks: {} });
        expect(verdict.events).toBeGreaterThan(20);
      } finally {
        await opened.close();
      }
    });

    it('replays and read models show them as forgotten while appointments and payments stand', async () => {
      const history = await request(t.http).get(`/api/audit/appointments/${cancelledId}/history`).set(bearer(auditor)).expect(200);
      expect(history.body.events.at(-1)).toMatchObject({ type: 'AppointmentCancelled', data: { reason: '' } });
      const feed = await request(t.http).get('/api/audit/events').query({ type: 'UserRegistered' }).set(bearer(auditor)).expect(200);
      const registered = feed.body.items.filter((e: { data: { userId: string } }) => [patient.userId, doctor.userId].includes(e.data.userId));
      expect(registered.map((e: { data: unknown }) => e.data)).toEqual([
        expect.objectContaining({ name: 'Forgotten user', email: null, doctor: expect.objectContaining({ bio: '' }) }),
        expect.objectContaining({ name: 'Forgotten user', email: null }),
      ]);
      expect((await request(t.http).get(`/api/doctors/${doctor.userId}`)).body).not.toMatchObject({ name: secrets.doctorName });
      const directory = await request(t.http).get('/api/doctors').expect(200);
      expect(directory.body.items.map((d: { doctorId: string }) => d.doctorId)).not.toContain(doctor.userId);
      const state = await request(t.http).get(`/api/audit/appointments/${confirmedId}/state`).query({ at: t.clock.now().toISOString() }).set(bearer(auditor)).expect(200);
      expect(state.body).toMatchObject({ status: 'confirmed', patientId: patient.userId, doctorId: doctor.userId, payment: { paidPaise: 50_000 } });
      const report = await t.services.reads.get('reports', reportId);
      expect(report).toMatchObject({ title: 'Forgotten report', status: 'analyzed', analysis: { summary: '', findings: [] } });
    });

    it('the account can no longer sign in, and its tokens stop working', async () => {
      await request(t.http).post('/api/auth/login').send({ email: secrets.patientEmail, password }).expect(401);
      await request(t.http).get('/api/auth/me').set(bearer(patient)).expect(401);
      await request(t.http).get('/api/users/me/export').set(bearer(doctor)).expect(401);
    });

    it('the e-mail address is free again: a new account can sign up with it', async () => {
      const res = await request(t.http).post('/api/auth/signup')
        .send({ name: 'Someone New', email: secrets.patientEmail, password, role: 'patient' }).expect(201);
      expect(res.body.userId).not.toBe(patient.userId);
    });
  });
});

describe('e-mail claims made before claim streams were keyed', () => {
  let t: TestApp;
  afterAll(async () => { await t.close(); });

  it('are still honoured: the address signs in and cannot be taken by a new account', async () => {
    t = await startTestApp();
    const user = await givenUser(t, { role: 'patient' });
    const legacyAddress = `legacy-${tag}@example.test`;
    await t.services.events.append(legacyEmailStream(legacyAddress), [{
      type: 'EmailClaimed', data: { email: legacyAddress, userId: user.userId },
      metadata: { eventId: randomUUID(), actor: systemActor, correlationId: 'legacy', causationId: null, recordedAt: t.clock.now().toISOString(), schemaVersion: 1 },
    }], 'no_stream');
    await request(t.http).post('/api/auth/login').send({ email: legacyAddress, password: user.password }).expect(200);
    await request(t.http).post('/api/auth/signup').send({ name: 'Copycat', email: legacyAddress, password, role: 'patient' }).expect(409);
    // New claims go to keyed streams: the plain hash of a new address names no stream.
    expect(await t.services.events.readStream(legacyEmailStream(user.email))).toEqual([]);
  });
});
