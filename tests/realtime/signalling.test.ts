import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import type { GivenUser } from '../support/identity.js';
import {
  type AppointmentFixture, type TestServer, client, connected, givenAppointment, givenDoctorSlots, next, recorder, refusal, request,
  settled, startConsultationServer, user,
} from './consultationFixture.js';

let server: TestServer;
let patient: GivenUser;
let doctor: GivenUser;
let stranger: GivenUser;
let appointment: AppointmentFixture;
let slots: string[];
const open: Socket[] = [];

const as = async (who: GivenUser) => {
  const socket = client(server, who.token);
  open.push(socket);
  return connected(socket);
};
const joined = async (who: GivenUser, appointmentId = appointment.appointmentId) => {
  const socket = await as(who);
  const answer = await request(socket, 'join-room', { appointmentId });
  expect(answer).toMatchObject({ ok: true });
  return socket;
};
const stream = async (appointmentId: string) =>
  (await server.services.events.readStream(`consultation-${appointmentId}`)).map((e) => ({ type: e.type, data: e.data }));

beforeAll(async () => {
  server = await startConsultationServer();
  [patient, doctor, stranger] = await Promise.all([user(server, 'patient'), user(server, 'doctor'), user(server, 'patient')]);
  slots = await givenDoctorSlots(server, doctor);
});

afterEach(async () => {
  for (const s of open.splice(0)) s.disconnect();
});

afterAll(async () => {
  await server.cleanup();
});

describe('the handshake', () => {
  it('refuses a connection without a token', async () => {
    const socket = client(server);
    open.push(socket);
    expect(await refusal(socket)).toMatch(/unauthorized: a token is required/);
  });

  it('refuses a forged token', async () => {
    const socket = client(server, `${patient.token.slice(0, -4)}AAAA`);
    open.push(socket);
    expect(await refusal(socket)).toMatch(/unauthorized: the token is invalid, expired or revoked/);
  });

  it('refuses an expired token', async () => {
    const before = server.clock.now();
    server.clock.advance((server.services.config.JWT_EXPIRES_IN_SECONDS + 60) * 1000);
    try {
      const socket = client(server, patient.token);
      open.push(socket);
      expect(await refusal(socket)).toMatch(/unauthorized: the token is invalid, expired or revoked/);
    } finally {
      server.clock.set(before);
    }
  });

  it('accepts a valid token', async () => {
    await expect(as(patient)).resolves.toBeDefined();
  });
});

describe('joining a consultation room', () => {
  beforeEach(async () => {
    appointment = await givenAppointment(server, patient, slots);
  });

  it('lets the patient in first, then tells the patient when the doctor joins', async () => {
    const p = await as(patient);
    expect(await request(p, 'join-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: true, role: 'patient', peers: [] });
    const peerJoined = next(p, 'peer-joined');
    const d = await as(doctor);
    expect(await request(d, 'join-room', { appointmentId: appointment.appointmentId }))
      .toMatchObject({ ok: true, role: 'doctor', peers: [{ userId: patient.userId, role: 'patient' }] });
    expect(await peerJoined).toEqual({ userId: doctor.userId, role: 'doctor' });
  });

  it('refuses someone who is neither the patient nor the doctor', async () => {
    const s = await as(stranger);
    expect(await request(s, 'join-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: false, error: 'appointment_not_found' });
  });

  it('refuses an appointment that is not confirmed', async () => {
    const unpaid = await givenAppointment(server, patient, slots, false);
    const p = await as(patient);
    expect(await request(p, 'join-room', { appointmentId: unpaid.appointmentId })).toMatchObject({ ok: false, error: 'appointment_not_confirmed' });
  });

  it('refuses before the room opens (15 minutes before the start) and after it closes (30 minutes after the end)', async () => {
    const p = await as(patient);
    const now = server.clock.now();
    try {
      server.clock.set(new Date(Date.parse(appointment.start) - 16 * 60_000));
      expect(await request(p, 'join-room', { appointmentId: appointment.appointmentId })).toMatchObject({
        ok: false,
        error: 'outside_join_window',
        opensAt: new Date(Date.parse(appointment.start) - 15 * 60_000).toISOString(),
        closesAt: new Date(Date.parse(appointment.end) + 30 * 60_000).toISOString(),
      });
      server.clock.set(new Date(Date.parse(appointment.end) + 31 * 60_000));
      expect(await request(p, 'join-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: false, error: 'outside_join_window' });
    } finally {
      server.clock.set(now);
    }
  });

  it('a second tab of the same user replaces the first, without the other party seeing a departure', async () => {
    const d = await joined(doctor);
    const seenByDoctor = recorder(d);
    const firstTab = await joined(patient);
    const firstTabGone = next(firstTab, 'disconnect');
    await joined(patient);
    expect(await firstTabGone).toBe('io server disconnect');
    await settled(d);
    expect(seenByDoctor.map((e) => e.event)).toEqual(['peer-joined', 'peer-joined']);
    expect((await stream(appointment.appointmentId)).filter((e) => e.type === 'ParticipantJoined')).toHaveLength(2);
  });

  it('two tabs joining at the same moment still leave one socket for the party', async () => {
    const d = await joined(doctor);
    const tabs = await Promise.all([as(patient), as(patient)]);
    const seen = tabs.map((tab) => recorder(tab));
    await Promise.all(tabs.map((tab) => request(tab, 'join-room', { appointmentId: appointment.appointmentId })));
    // Whichever joined last stays; the other one is told and disconnected (it may have been answered ok first).
    if (tabs.every((tab) => tab.connected)) await Promise.race(tabs.map((tab) => next(tab, 'disconnect')));
    const winner = tabs.find((tab) => tab.connected)!;
    const loser = tabs.find((tab) => !tab.connected)!;
    expect(winner && loser).toBeTruthy();
    expect(seen[tabs.indexOf(loser)].map((e) => e.args[0])).toContainEqual(expect.objectContaining({ code: 'replaced' }));
    const offer = next(winner, 'offer');
    d.emit('offer', { appointmentId: appointment.appointmentId, sdp: { type: 'offer', sdp: 'v=0' } });
    expect(await offer).toMatchObject({ from: doctor.userId });
    expect(loser.connected).toBe(false);
  });
});

describe('relaying signals', () => {
  let p: Socket;
  let d: Socket;
  let other: Socket;

  beforeEach(async () => {
    appointment = await givenAppointment(server, patient, slots);
    p = await joined(patient);
    d = await joined(doctor);
    other = await as(stranger);
  });

  it('an offer reaches the patient only; the answer and candidates reach the doctor only', async () => {
    const seenByDoctor = recorder(d);
    const seenByStranger = recorder(other);
    const offer = next(p, 'offer');
    d.emit('offer', { appointmentId: appointment.appointmentId, sdp: { type: 'offer', sdp: 'v=0 offer' } });
    expect(await offer).toEqual({ from: doctor.userId, appointmentId: appointment.appointmentId, sdp: { type: 'offer', sdp: 'v=0 offer' } });

    const answer = next(d, 'answer');
    p.emit('answer', { appointmentId: appointment.appointmentId, sdp: { type: 'answer', sdp: 'v=0 answer' } });
    expect(await answer).toMatchObject({ from: patient.userId, sdp: { type: 'answer', sdp: 'v=0 answer' } });

    const candidate = next(d, 'ice-candidate');
    const c = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.2 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    p.emit('ice-candidate', { appointmentId: appointment.appointmentId, candidate: c });
    expect(await candidate).toMatchObject({ from: patient.userId, candidate: c });

    await settled(d, other);
    expect(seenByDoctor.map((e) => e.event)).toEqual(['answer', 'ice-candidate']);
    expect(seenByStranger).toEqual([]);
  });

  it('simple-peer signals arrive as signal { from, data }', async () => {
    const signal = next(p, 'signal');
    d.emit('signal', { appointmentId: appointment.appointmentId, data: { type: 'offer', sdp: 'x' } });
    expect(await signal).toEqual({ from: doctor.userId, data: { type: 'offer', sdp: 'x' } });
  });

  it('a third party cannot inject signals into a room it is not in', async () => {
    const seenByPatient = recorder(p);
    const refused = next<{ code: string }>(other, 'error');
    other.emit('offer', { appointmentId: appointment.appointmentId, sdp: { type: 'offer', sdp: 'evil' } });
    expect(await refused).toMatchObject({ code: 'not_in_room' });
    await settled(p);
    expect(seenByPatient).toEqual([]);
  });

  it('another appointment\'s room hears nothing of this one', async () => {
    const elsewhere = await givenAppointment(server, stranger, slots);
    const s = await joined(stranger, elsewhere.appointmentId);
    const seen = recorder(s);
    const offer = next(p, 'offer');
    d.emit('offer', { appointmentId: appointment.appointmentId, sdp: { type: 'offer', sdp: 'for the patient' } });
    await offer;
    await settled(s);
    expect(seen).toEqual([]);
  });

  it.each([
    ['a payload that is not an object', 'offer', 'hello'],
    ['a numeric appointment id', 'offer', { appointmentId: 42, sdp: { type: 'offer', sdp: 'x' } }],
    ['an unknown field', 'answer', { appointmentId: 'a', sdp: { type: 'answer', sdp: 'x' }, extra: 1 }],
    ['a candidate of the wrong shape', 'ice-candidate', { appointmentId: 'a', candidate: { candidate: 7 } }],
    ['a signal without data', 'signal', { appointmentId: 'a' }],
  ])('refuses %s with an error to the sender', async (_, event, payload) => {
    const seenByPatient = recorder(p);
    const refused = next<{ event: string; code: string }>(d, 'error');
    d.emit(event, payload);
    expect(await refused).toMatchObject({ event, code: 'invalid_payload' });
    await settled(p);
    expect(seenByPatient).toEqual([]);
  });

  it('refuses a payload over 64 kB and keeps serving', async () => {
    const refused = next<{ code: string }>(d, 'error');
    d.emit('signal', { appointmentId: appointment.appointmentId, data: 'x'.repeat(70 * 1024) });
    expect(await refused).toMatchObject({ code: 'payload_too_large' });
    const signal = next(p, 'signal');
    d.emit('signal', { appointmentId: appointment.appointmentId, data: 'still here' });
    expect(await signal).toEqual({ from: doctor.userId, data: 'still here' });
  });

  it('answers a malformed join with an error and the server stays up', async () => {
    const refused = next<{ code: string }>(other, 'error');
    other.emit('join-room', { appointmentId: { $ne: null } });
    expect(await refused).toMatchObject({ code: 'invalid_payload' });
    expect(await request(other, 'join-room', null)).toMatchObject({ ok: false, error: 'invalid_payload' });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('limits the rate of signalling messages per socket, and refills over time', async () => {
    const errors: Array<{ code: string }> = [];
    d.on('error', (e: { code: string }) => errors.push(e));
    for (let i = 0; i < 80; i += 1) d.emit('signal', { appointmentId: appointment.appointmentId, data: i });
    expect(await request(d, 'join-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: false, error: 'rate_limited' });
    expect(errors.filter((e) => e.code === 'rate_limited').length).toBeGreaterThan(0);
    server.clock.advance(5_000);
    const signal = next(p, 'signal');
    d.emit('signal', { appointmentId: appointment.appointmentId, data: 'after a pause' });
    expect(await signal).toEqual({ from: doctor.userId, data: 'after a pause' });
  });
});

describe('recording the consultation', () => {
  beforeEach(async () => {
    appointment = await givenAppointment(server, patient, slots);
  });

  it('records opening, joins and leaves; the other party hears of a leave and a disconnect', async () => {
    const p = await joined(patient);
    const d = await joined(doctor);
    const left = next(d, 'peer-left');
    expect(await request(p, 'leave-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: true });
    expect(await left).toEqual({ userId: patient.userId });

    const p2 = await joined(patient);
    const leftAgain = next(p2, 'peer-left');
    d.disconnect();
    expect(await leftAgain).toEqual({ userId: doctor.userId });

    const id = appointment.appointmentId;
    const deadline = Date.now() + 3000;
    while ((await stream(id)).length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await stream(id)).map((e) => [e.type, (e.data as { userId?: string }).userId])).toEqual([
      ['ConsultationRoomOpened', undefined],
      ['ParticipantJoined', patient.userId],
      ['ParticipantJoined', doctor.userId],
      ['ParticipantLeft', patient.userId],
      ['ParticipantJoined', patient.userId],
      ['ParticipantLeft', doctor.userId],
    ]);
  });

  it('the doctor ends the consultation; both hear it and nobody can rejoin', async () => {
    const p = await joined(patient);
    const d = await joined(doctor);
    const endedForPatient = next(p, 'room-ended');
    expect(await request(p, 'end-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: false, error: 'only_doctor_ends' });
    expect(await request(d, 'end-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: true });
    expect(await endedForPatient).toEqual({ appointmentId: appointment.appointmentId, by: 'doctor' });
    expect(await request(p, 'join-room', { appointmentId: appointment.appointmentId })).toMatchObject({ ok: false, error: 'consultation_ended' });
    expect((await stream(appointment.appointmentId)).at(-1)).toMatchObject({ type: 'ConsultationEnded', data: { by: 'doctor' } });
  });
});
