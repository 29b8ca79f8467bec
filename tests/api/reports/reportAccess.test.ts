import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenHold, givenSlots } from '../../support/booking.js';
import { DIABETIC_PANEL, elfExecutable, labReportPdf, tinyJpeg, tinyPng, windowsExecutable } from '../../support/sampleReports.js';

/**
 * Upload checks and who may see what. The test clock stands still in 2030, so the analysis job (due
 * at the request time) never runs here: every report stays `analyzing`. Analysis runs in analysis.test.ts.
 */
let t: TestApp;
let patient: GivenUser;
let otherPatient: GivenUser;
let pdf: Buffer;

const upload = (user: GivenUser, bytes: Buffer, filename: string, title?: string) => {
  const req = request(t.http).post('/api/reports').set(bearer(user)).attach('file', bytes, filename);
  return title === undefined ? req : req.field('title', title);
};

beforeAll(async () => {
  t = await startTestApp();
  patient = await givenUser(t, { role: 'patient' });
  otherPatient = await givenUser(t, { role: 'patient' });
  pdf = await labReportPdf(DIABETIC_PANEL);
});
afterAll(async () => { await t.close(); });

describe('uploading a report', () => {
  it.each([
    ['a PDF', () => pdf, 'labs.pdf', 'application/pdf'],
    ['a PNG', () => tinyPng(), 'scan.png', 'image/png'],
    ['a JPEG', () => tinyJpeg(), 'photo.jpg', 'image/jpeg'],
    ['a PDF with a misleading name', () => pdf, 'photo.png', 'application/pdf'],
  ])('%s is accepted, typed by its content', async (_, bytes, filename, mimeType) => {
    const res = await upload(patient, bytes(), filename).expect(201);
    expect(res.body).toEqual({ reportId: expect.any(String), status: 'analyzing' });
    const view = await request(t.http).get(`/api/reports/${res.body.reportId}`).set(bearer(patient)).expect(200);
    expect(view.body).toMatchObject({ reportId: res.body.reportId, mimeType, status: 'analyzing', sizeBytes: bytes().length });
  });

  it('records the title and the file hash', async () => {
    const res = await upload(patient, pdf, 'x.pdf', 'Blood test, March').expect(201);
    const view = await request(t.http).get(`/api/reports/${res.body.reportId}`).set(bearer(patient)).expect(200);
    expect(view.body.title).toBe('Blood test, March');
    const [recorded] = await t.services.events.readStream(`report-${res.body.reportId}`);
    expect(recorded.data).toMatchObject({ sha256: createHash('sha256').update(pdf).digest('hex'), patientId: patient.userId });
  });

  it.each([
    ['a Linux executable named .pdf', elfExecutable()],
    ['a Windows executable named .pdf', windowsExecutable()],
    ['plain text named .pdf', Buffer.from('Haemoglobin 9.0 g/dL\n')],
  ])('%s is refused with 415', async (_, bytes) => {
    const res = await upload(patient, bytes, 'report.pdf').expect(415);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('a file over 10 MiB is refused with 413, and the answer reaches the client', async () => {
    const big = Buffer.concat([pdf, Buffer.alloc(11 * 1024 * 1024 - pdf.length)]);
    const res = await upload(patient, big, 'big.pdf').expect(413);
    expect(res.body).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('no file is a 400', async () => {
    const res = await request(t.http).post('/api/reports').set(bearer(patient)).field('title', 'nothing attached').expect(400);
    expect(res.body.code).toBe('file_required');
  });

  it('an unknown form field is a 400', async () => {
    await upload(patient, pdf, 'a.pdf').field('patientId', otherPatient.userId).expect(400);
  });

  it('only patients upload; a large refused upload still gets its answer', async () => {
    const doctor = await givenUser(t, { role: 'doctor' });
    await upload(doctor, pdf, 'a.pdf').expect(403);
    await request(t.http).post('/api/reports').attach('file', Buffer.alloc(3 * 1024 * 1024), 'a.pdf').expect(401);
  });

  it('nothing from the client names the stored file', async () => {
    const res = await upload(patient, pdf, '../../etc/passwd.pdf').expect(201);
    const [recorded] = await t.services.events.readStream(`report-${res.body.reportId}`);
    expect((recorded.data as { storageKey: string }).storageKey).toBe(`${res.body.reportId}.pdf`);
    expect((recorded.data as { title: string }).title).toBe('passwd');
  });
});

describe('downloading through the signed link', () => {
  let fileUrl: string;

  beforeAll(async () => {
    const res = await upload(patient, pdf, 'labs.pdf').expect(201);
    fileUrl = (await request(t.http).get(`/api/reports/${res.body.reportId}`).set(bearer(patient)).expect(200)).body.fileUrl;
  });

  it('serves the exact bytes as an attachment, without a bearer token', async () => {
    const res = await request(t.http).get(fileUrl).buffer(true).parse((r, done) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => done(null, Buffer.concat(parts)));
    }).expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="report-[\w-]+\.pdf"$/);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(Buffer.compare(res.body as Buffer, pdf)).toBe(0);
  });

  it('refuses a tampered signature or another file under the same signature', async () => {
    const url = new URL(fileUrl, 'http://x');
    const sig = url.searchParams.get('sig')!;
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    await request(t.http).get(`${url.pathname}?expires=${url.searchParams.get('expires')}&sig=${flipped}`).expect(404);
    await request(t.http).get(`/api/reports/files/00000000-0000-0000-0000-000000000000.pdf${url.search}`).expect(404);
    await request(t.http).get(`${url.pathname}?expires=${Number(url.searchParams.get('expires')) + 3600}&sig=${sig}`).expect(404);
  });

  it('expires after a few minutes', async () => {
    t.clock.advanceMinutes(6);
    try {
      const res = await request(t.http).get(fileUrl).expect(404);
      expect(res.body.code).toBe('link_invalid');
    } finally {
      t.clock.advanceMinutes(-6);
    }
  });
});

describe('who sees a report', () => {
  let reportId: string;

  beforeAll(async () => {
    reportId = (await upload(patient, pdf, 'labs.pdf', 'Shared panel').expect(201)).body.reportId;
  });

  it('its patient sees everything, and lists it', async () => {
    const res = await request(t.http).get(`/api/reports/${reportId}`).set(bearer(patient)).expect(200);
    expect(res.body).toMatchObject({ reportId, title: 'Shared panel', mimeType: 'application/pdf', status: 'analyzing', fileUrl: expect.stringContaining('/api/reports/files/') });
    const list = await request(t.http).get('/api/reports').set(bearer(patient)).expect(200);
    expect(list.body.items).toContainEqual({ reportId, patientId: patient.userId, title: 'Shared panel', mimeType: 'application/pdf', status: 'analyzing', uploadedAt: expect.any(String) });
  });

  it('another patient gets 404 and does not list it', async () => {
    await request(t.http).get(`/api/reports/${reportId}`).set(bearer(otherPatient)).expect(404);
    const list = await request(t.http).get('/api/reports').set(bearer(otherPatient)).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it('a doctor without an appointment with the patient gets 404', async () => {
    const stranger = await givenUser(t, { role: 'doctor' });
    await request(t.http).get(`/api/reports/${reportId}`).set(bearer(stranger)).expect(404);
    expect((await request(t.http).get('/api/reports').set(bearer(stranger)).expect(200)).body.items).toEqual([]);
  });

  it('a doctor whose appointment is only held (unpaid) gets 404', async () => {
    const doctor = await givenUser(t, { role: 'doctor' });
    const [slotId] = await givenSlots(t, doctor);
    await givenHold(t, patient, slotId);
    await request(t.http).get(`/api/reports/${reportId}`).set(bearer(doctor)).expect(404);
  });

  it('an admin gets 404', async () => {
    const admin = await givenUser(t, { role: 'admin' });
    await request(t.http).get(`/api/reports/${reportId}`).set(bearer(admin)).expect(404);
  });

  it('an auditor sees metadata only: no file, no analysis', async () => {
    const auditor = await givenUser(t, { role: 'auditor' });
    const res = await request(t.http).get(`/api/reports/${reportId}`).set(bearer(auditor)).expect(200);
    expect(res.body).toEqual({
      reportId, patientId: patient.userId, title: 'Shared panel', mimeType: 'application/pdf', sizeBytes: pdf.length,
      sha256: createHash('sha256').update(pdf).digest('hex'), uploadedAt: expect.any(String), status: 'analyzing',
    });
    await request(t.http).post(`/api/reports/${reportId}/chat`).set(bearer(auditor)).send({ message: 'hi' }).expect(403);
  });

  it('a doctor with a confirmed appointment with the patient reads it, but cannot ask questions', async () => {
    const doctor = await givenUser(t, { role: 'doctor' });
    const [slotId] = await givenSlots(t, doctor);
    await givenConfirmedAppointment(t, patient, slotId);
    const res = await request(t.http).get(`/api/reports/${reportId}`).set(bearer(doctor)).expect(200);
    expect(res.body).toMatchObject({ reportId, fileUrl: expect.any(String) });
    expect((await request(t.http).get('/api/reports').set(bearer(doctor)).expect(200)).body.items.map((i: { reportId: string }) => i.reportId)).toContain(reportId);
    const chat = await request(t.http).post(`/api/reports/${reportId}/chat`).set(bearer(doctor)).send({ message: 'Summary please' }).expect(403);
    expect(chat.body.code).toBe('read_only');
    await request(t.http).get(res.body.fileUrl).expect(200);
  });

  it('anyone else asking about it gets 404; an unknown report is 404', async () => {
    await request(t.http).post(`/api/reports/${reportId}/chat`).set(bearer(otherPatient)).send({ message: 'hi' }).expect(404);
    await request(t.http).get('/api/reports/no-such-report').set(bearer(patient)).expect(404);
    await request(t.http).get(`/api/reports/${reportId}`).expect(401);
  });

  it('its patient asking while it is still analysed gets 409', async () => {
    const res = await request(t.http).post(`/api/reports/${reportId}/chat`).set(bearer(patient)).send({ message: 'What does it say?' }).expect(409);
    expect(res.body.code).toBe('report_analyzing');
  });
});
