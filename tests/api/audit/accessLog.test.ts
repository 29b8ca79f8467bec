import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenSlots, projected } from '../../support/booking.js';
import { eventually } from '../../support/polling.js';
import { DIABETIC_PANEL, labReportPdf } from '../../support/sampleReports.js';

/**
 * Reads of a patient's records by anyone else land in the patient's access log, once per request.
 * The real clock lets the report's analysis job run, so there is medical content an auditor must not see.
 */
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', end: '23:30' }));

interface Entry { patientId: string; readerId: string; readerRole: string; reason: string; record: { kind: string; id: string }; requestId: string; at: string; position: number }

describe('the access log', () => {
  let t: TestApp;
  let patient: GivenUser;
  let otherPatient: GivenUser;
  let doctor: GivenUser;
  let auditor: GivenUser;
  let admin: GivenUser;
  let appointmentId: string;
  let reportId: string;

  const get = (who: GivenUser, path: string, requestId = randomUUID()) => request(t.http).get(path).set(bearer(who)).set('X-Request-Id', requestId);
  const myLog = async (who: GivenUser, query: Record<string, string | number> = {}) => {
    await projected(t);
    return (await request(t.http).get('/api/users/me/access-log').query(query).set(bearer(who)).expect(200)).body as { items: Entry[]; next: number | null };
  };
  const logOf = async (query: Record<string, string | number>) => {
    await projected(t);
    return (await request(t.http).get('/api/audit/access-log').query(query).set(bearer(auditor)).expect(200)).body as { items: Entry[]; next: number | null };
  };

  beforeAll(async () => {
    t = await startTestApp({ realClock: true });
    [patient, otherPatient, doctor, auditor, admin] = await Promise.all([
      givenUser(t, { role: 'patient' }), givenUser(t, { role: 'patient' }), givenUser(t, { role: 'doctor' }),
      givenUser(t, { role: 'auditor' }), givenUser(t, { role: 'admin' }),
    ]);
    const [slotId] = await givenSlots(t, doctor, EVERY_DAY, 3);
    appointmentId = await givenConfirmedAppointment(t, patient, slotId);
    const uploaded = await request(t.http).post('/api/reports').set(bearer(patient)).attach('file', await labReportPdf(DIABETIC_PANEL), 'labs.pdf').expect(201);
    reportId = uploaded.body.reportId;
    await eventually(async () => {
      expect((await get(patient, `/api/reports/${reportId}`).expect(200)).body.status).toBe('analyzed');
    }, 20_000, 100);
  }, 30_000);
  afterAll(async () => { await t.close(); });

  it('does not record the patient\'s own reads', async () => {
    await get(patient, `/api/appointments/${appointmentId}`).expect(200);
    await get(patient, `/api/appointments/${appointmentId}/history`).expect(200);
    expect((await myLog(patient)).items).toEqual([]);
  });

  it('records a doctor\'s, an auditor\'s and an admin\'s reads with who, role, what, when and why', async () => {
    const reads: Array<[GivenUser, string, string, string]> = [
      [doctor, `/api/appointments/${appointmentId}`, 'appointment', 'treating_doctor'],
      [doctor, `/api/reports/${reportId}`, 'report', 'treating_doctor'],
      [auditor, `/api/reports/${reportId}`, 'report', 'auditor'],
      [auditor, `/api/audit/appointments/${appointmentId}/history`, 'appointment_history', 'auditor'],
      [admin, `/api/audit/appointments/${appointmentId}/state`, 'appointment_state', 'admin'],
      [admin, `/api/appointments/${appointmentId}/history`, 'appointment_history', 'admin'],
      [auditor, `/api/audit/appointments/${appointmentId}/case`, 'case_file', 'auditor'],
    ];
    const before = (await myLog(patient)).items.length;
    const requestIds: string[] = [];
    for (const [who, path] of reads) {
      const requestId = randomUUID();
      requestIds.push(requestId);
      await get(who, path, requestId).expect(200);
    }
    const items = (await myLog(patient, { limit: 200 })).items.slice(before);
    expect(items).toEqual(reads.map(([who, , kind, reason], i) => ({
      patientId: patient.userId, readerId: who.userId, readerRole: expect.any(String), reason,
      record: { kind, id: kind === 'report' ? reportId : appointmentId }, requestId: requestIds[i],
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), position: expect.any(Number),
    })));
    expect(items.map((e) => e.readerRole)).toEqual(['doctor', 'doctor', 'auditor', 'auditor', 'admin', 'admin', 'auditor']);
  });

  it('records a retried request (same X-Request-Id) once', async () => {
    const requestId = randomUUID();
    for (let i = 0; i < 3; i += 1) await get(doctor, `/api/appointments/${appointmentId}`, requestId).expect(200);
    await get(auditor, `/api/reports/${reportId}`, requestId).expect(200);
    const items = (await logOf({ patientId: patient.userId, limit: 200 })).items.filter((e) => e.requestId === requestId);
    expect(items.map((e) => [e.readerId, e.record.kind])).toEqual([[doctor.userId, 'appointment'], [auditor.userId, 'report']]);
  });

  it('a refused read records nothing', async () => {
    const before = (await logOf({ readerId: otherPatient.userId })).items;
    await get(otherPatient, `/api/appointments/${appointmentId}`).expect(404);
    await get(otherPatient, `/api/reports/${reportId}`).expect(404);
    expect((await logOf({ readerId: otherPatient.userId })).items).toEqual(before);
    expect((await myLog(otherPatient)).items).toEqual([]);
  });

  it('pages: `next` continues where a page ended', async () => {
    const all = (await myLog(patient, { limit: 200 })).items;
    expect(all.length).toBeGreaterThan(3);
    const first = await myLog(patient, { limit: 2 });
    expect(first.items).toEqual(all.slice(0, 2));
    const second = await myLog(patient, { limit: 2, after: first.next! });
    expect(second.items).toEqual(all.slice(2, 4));
    const last = await myLog(patient, { limit: 200, after: all[all.length - 2].position });
    expect(last).toEqual({ items: [all[all.length - 1]], next: null });
  });

  it('auditors and admins query by reader and by patient; patients and doctors may not', async () => {
    const byDoctor = await logOf({ readerId: doctor.userId });
    expect(byDoctor.items.length).toBeGreaterThan(0);
    expect(byDoctor.items.every((e) => e.readerId === doctor.userId && e.reason === 'treating_doctor')).toBe(true);
    expect((await logOf({ patientId: otherPatient.userId })).items).toEqual([]);
    await request(t.http).get('/api/audit/access-log').set(bearer(admin)).expect(200);
    await request(t.http).get('/api/audit/access-log').set(bearer(patient)).expect(403);
    await request(t.http).get('/api/audit/access-log').set(bearer(doctor)).expect(403);
    await request(t.http).get('/api/audit/access-log').expect(401);
    await request(t.http).get('/api/users/me/access-log').expect(401);
    await request(t.http).get('/api/audit/access-log?limit=0').set(bearer(auditor)).expect(400);
    await request(t.http).get('/api/users/me/access-log?patientId=someone').set(bearer(patient)).expect(400);
  });

  it('an auditor never sees what a report says: not in the report, the feed, nor the case file', async () => {
    const own = (await get(patient, `/api/reports/${reportId}`).expect(200)).body;
    expect(own.analysis.findings.length).toBeGreaterThan(0);
    const seen = (await get(auditor, `/api/reports/${reportId}`).expect(200)).body;
    expect(seen).not.toHaveProperty('analysis');
    expect(seen).not.toHaveProperty('fileUrl');
    const analyzed = (await get(auditor, '/api/audit/events?type=ReportAnalyzed').expect(200)).body.items;
    expect(analyzed).toHaveLength(1);
    expect(analyzed[0].data).toMatchObject({ reportId, summary: '[redacted]', findings: '[redacted]', urgency: '[redacted]' });
    const text = JSON.stringify((await get(auditor, `/api/audit/appointments/${appointmentId}/case`).expect(200)).body);
    expect(text).not.toContain(reportId);
    expect(text).not.toContain(own.analysis.summary);
  });
});
