import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { systemActor } from '../../../src/domain/shared/event.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { consultationEnv, givenAppointment, givenDoctorSlots } from '../../realtime/consultationFixture.js';

const ctx = (who: GivenUser, role: 'patient' | 'doctor') => ({ actor: { userId: who.userId, role }, correlationId: 'test' });

describe('ICE servers', () => {
  let t: TestApp;
  let patient: GivenUser;
  const SECRET = 'turn-shared-secret';

  beforeAll(async () => {
    t = await startTestApp({ env: { STUN_URLS: 'stun:127.0.0.1:3478', TURN_URLS: 'turn:127.0.0.1:3478?transport=udp,turns:127.0.0.1:5349', TURN_SECRET: SECRET, TURN_TTL_SECONDS: '600' } });
    patient = await givenUser(t, { role: 'patient' });
  });
  afterAll(() => t.close());

  it('needs a signed-in user', async () => {
    await request(t.http).get('/api/webrtc/ice-servers').expect(401);
  });

  it('gives STUN, and TURN with coturn REST credentials that expire after the configured TTL', async () => {
    const res = await request(t.http).get('/api/webrtc/ice-servers').set('Authorization', `Bearer ${patient.token}`).expect(200);
    const expiry = Math.floor(t.clock.now().getTime() / 1000) + 600;
    const username = `${expiry}:${patient.userId}`;
    expect(res.body).toEqual({
      iceServers: [
        { urls: ['stun:127.0.0.1:3478'] },
        { urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:5349'], username, credential: createHmac('sha1', SECRET).update(username).digest('base64') },
      ],
    });
    expect(res.headers['cache-control']).toMatch(/no-store/);
  });

  it('gives only STUN when no TURN server is configured', async () => {
    const plain = await startTestApp({ env: { STUN_URLS: 'stun:127.0.0.1:3478' } });
    try {
      const someone = await givenUser(plain, { role: 'doctor' });
      const res = await request(plain.http).get('/api/webrtc/ice-servers').set('Authorization', `Bearer ${someone.token}`).expect(200);
      expect(res.body).toEqual({ iceServers: [{ urls: ['stun:127.0.0.1:3478'] }] });
    } finally {
      await plain.close();
    }
  });
});

describe('GET /api/consultations/:appointmentId', () => {
  let t: TestApp;
  let patient: GivenUser;
  let doctor: GivenUser;
  let stranger: GivenUser;
  let admin: GivenUser;
  let auditor: GivenUser;
  let slots: string[];

  beforeAll(async () => {
    t = await startTestApp({ env: consultationEnv });
    [patient, doctor, stranger, admin, auditor] = await Promise.all(
      (['patient', 'doctor', 'patient', 'admin', 'auditor'] as const).map((role) => givenUser(t, { role })),
    );
    slots = await givenDoctorSlots(t, doctor);
  });
  afterAll(() => t.close());

  const get = (id: string, who: GivenUser) => request(t.http).get(`/api/consultations/${id}`).set('Authorization', `Bearer ${who.token}`);

  it('is idle before anyone joins, active with its participants after, ended when the doctor ends it', async () => {
    const { appointmentId } = await givenAppointment(t, patient, slots);
    expect((await get(appointmentId, patient).expect(200)).body).toEqual({ appointmentId, status: 'idle', participants: [] });

    await t.services.consultations.join(appointmentId, ctx(patient, 'patient'));
    const { position } = await t.services.consultations.join(appointmentId, ctx(doctor, 'doctor'));
    await t.services.projections.waitFor(position);
    const active = (await get(appointmentId, doctor).expect(200)).body;
    expect(active).toMatchObject({
      appointmentId, status: 'active',
      participants: [{ userId: patient.userId, role: 'patient', present: true, leftAt: null }, { userId: doctor.userId, role: 'doctor', present: true }],
    });

    const ended = await t.services.consultations.end(appointmentId, ctx(doctor, 'doctor'));
    await t.services.projections.waitFor(ended.position);
    expect((await get(appointmentId, patient).expect(200)).body).toMatchObject({
      status: 'ended', participants: [{ present: false }, { present: false }],
    });
  });

  it('is visible to auditors and admins, and a 404 to everyone else', async () => {
    const { appointmentId } = await givenAppointment(t, patient, slots);
    await get(appointmentId, admin).expect(200);
    await get(appointmentId, auditor).expect(200);
    const res = await get(appointmentId, stranger).expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    await get('no-such-appointment', admin).expect(404);
    await request(t.http).get(`/api/consultations/${appointmentId}`).expect(401);
    await get('x'.repeat(101), admin).expect(400);
  });

  it('is documented in the OpenAPI document with the ICE servers', async () => {
    const { body } = await request(t.http).get('/api-docs.json').expect(200);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/consultations/{appointmentId}', '/api/webrtc/ice-servers']));
  });

  it('ends by itself when both parties have been away for 10 minutes, not sooner', async () => {
    const { appointmentId } = await givenAppointment(t, patient, slots);
    const { consultations } = t.services;
    await consultations.join(appointmentId, ctx(patient, 'patient'));
    await consultations.join(appointmentId, ctx(doctor, 'doctor'));
    await consultations.leave(appointmentId, ctx(patient, 'patient'));
    await consultations.leave(appointmentId, ctx(doctor, 'doctor'));

    t.clock.advanceMinutes(9);
    await consultations.endIfIdle(appointmentId, 'test');
    const stream = () => t.services.events.readStream(`consultation-${appointmentId}`);
    expect((await stream()).at(-1)?.type).toBe('ParticipantLeft');

    t.clock.advanceMinutes(1);
    await consultations.endIfIdle(appointmentId, 'test');
    const last = (await stream()).at(-1);
    expect(last).toMatchObject({ type: 'ConsultationEnded', data: { by: 'timeout' }, metadata: { actor: systemActor } });
    await t.services.projections.waitFor(last!.position);
    expect((await get(appointmentId, patient).expect(200)).body.status).toBe('ended');
  });
});
