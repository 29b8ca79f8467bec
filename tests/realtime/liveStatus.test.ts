import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { systemActor } from '../../src/domain/shared/event.js';
import type { GivenUser } from '../support/identity.js';
import type { LiveUpdate } from '../../src/application/ports/liveUpdates.js';
import { eventually, untilQuiet } from '../support/polling.js';
import { startTestApp, startTestServer } from '../support/testApp.js';
import { givenConfirmedAppointment, givenHold, givenSlots } from '../support/booking.js';
import { givenUser } from '../support/identity.js';
import {
  client, connected, consultationEnv, givenDoctorSlots, recorder, settled, startConsultationServer, user, type TestServer,
} from './consultationFixture.js';

const FEE = 50_000;
let server: TestServer | null = null;
const open: Socket[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) s.disconnect();
  await server?.cleanup();
  server = null;
});

async function socketOf(who: GivenUser) {
  const socket = await connected(client(server!, who.token));
  open.push(socket);
  return { socket, seen: recorder(socket) };
}

type Seen = ReturnType<typeof recorder>;
const payloads = (seen: Seen, event: string) => seen.filter((s) => s.event === event).map((s) => s.args[0] as Record<string, unknown>);

async function walletBooking(patient: GivenUser, slotId: string) {
  await server!.services.wallet.credit({ userId: patient.userId, creditId: `gift-${slotId}`, amountPaise: FEE, reason: 'refund', paymentId: null },
    { actor: systemActor, correlationId: 'test' });
  await eventually(async () => {
    expect((await request(server!.url).get('/api/wallet').set('Authorization', `Bearer ${patient.token}`).expect(200)).body.availablePaise).toBe(FEE);
  });
  const held = await request(server!.url).post('/api/appointments').set('Authorization', `Bearer ${patient.token}`).send({ slotId }).expect(201);
  const paid = await request(server!.url).post('/api/payments/initiate').set('Authorization', `Bearer ${patient.token}`)
    .send({ appointmentId: held.body.appointmentId, method: 'wallet' }).expect(201);
  return { appointmentId: held.body.appointmentId as string, paymentId: paid.body.paymentId as string };
}

describe('live status over the signed-in socket', () => {
  it('tells every socket of the patient and the doctor as a wallet payment confirms, and a stranger nothing', async () => {
    server = await startConsultationServer();
    const [patient, doctor, stranger] = await Promise.all([user(server, 'patient'), user(server, 'doctor'), user(server, 'patient')]);
    const [slotId] = await givenDoctorSlots(server, doctor);
    const [tab1, tab2, doctorTab, strangerTab] = await Promise.all([socketOf(patient), socketOf(patient), socketOf(doctor), socketOf(stranger)]);

    const { appointmentId, paymentId } = await walletBooking(patient, slotId);

    const confirmed = { appointmentId, slotId, patientId: patient.userId, doctorId: doctor.userId, status: 'confirmed', change: 'AppointmentConfirmed' };
    for (const tab of [tab1, tab2, doctorTab]) {
      await eventually(() => expect(payloads(tab.seen, 'appointment-updated')).toContainEqual(expect.objectContaining(confirmed)));
      const updates = payloads(tab.seen, 'appointment-updated');
      expect(updates.map((u) => u.status)).toEqual(['pending_payment', 'confirmed']);
      expect(updates[1]).toMatchObject({ start: expect.any(String), end: expect.any(String), payment: { paymentId, method: 'wallet', paidPaise: FEE } });
    }
    for (const tab of [tab1, tab2]) {
      await eventually(() => expect(payloads(tab.seen, 'payment-updated')).toContainEqual(expect.objectContaining({
        paymentId, appointmentId, status: 'captured', method: 'wallet', capturedPaise: FEE, change: 'PaymentCaptured',
      })));
    }
    // Each tab hears each change once, in the order it happened.
    const positions = payloads(tab1.seen, 'appointment-updated').map((u) => u.position as number);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(payloads(tab2.seen, 'appointment-updated').map((u) => u.position)).toEqual(positions);

    await settled(doctorTab.socket, strangerTab.socket);
    expect(payloads(doctorTab.seen, 'payment-updated')).toEqual([]);
    expect(strangerTab.seen.filter((s) => s.event !== 'error')).toEqual([]);
  });

  it('works across a restart: a socket hears what changes from then on, and nothing of the past', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'healthvision-live-'));
    try {
      server = await startTestServer({ env: consultationEnv, dataDir });
      const [patient, doctor] = await Promise.all([user(server, 'patient'), user(server, 'doctor')]);
      const [first, second] = await givenDoctorSlots(server, doctor);
      await walletBooking(patient, first);
      await server.cleanup();

      server = await startTestServer({ env: consultationEnv, dataDir });
      const tab = await socketOf(patient);
      await settled(tab.socket);
      expect(payloads(tab.seen, 'appointment-updated')).toEqual([]);
      const held = await request(server.url).post('/api/appointments').set('Authorization', `Bearer ${patient.token}`).send({ slotId: second }).expect(201);
      await eventually(() => expect(payloads(tab.seen, 'appointment-updated')).toHaveLength(1));
      expect(payloads(tab.seen, 'appointment-updated')[0]).toMatchObject({ appointmentId: held.body.appointmentId, status: 'pending_payment' });
      expect(payloads(tab.seen, 'payment-updated')).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the live status feed', () => {
  it('starts from the end of the log: a (re)start sends nothing that happened before it', async () => {
    const t = await startTestApp({ env: { MIN_NOTICE_MINUTES: '0' } });
    try {
      const [patient, doctor] = await Promise.all([givenUser(t, { role: 'patient' }), givenUser(t, { role: 'doctor' })]);
      const [first, second] = await givenSlots(t, doctor);
      await givenConfirmedAppointment(t, patient, first);
      const sent: Array<{ to: readonly string[]; update: LiveUpdate }> = [];
      const feed = t.services.integrations.liveStatus;
      feed.publishTo({ toUsers: (to, update) => sent.push({ to, update }) });
      await feed.start();
      await untilQuiet(t.services.events);
      expect(sent).toEqual([]);

      const appointmentId = await givenHold(t, patient, second);
      await eventually(() => expect(sent).toHaveLength(1));
      expect(sent[0]).toEqual({
        to: [patient.userId, doctor.userId],
        update: { event: 'appointment-updated', payload: expect.objectContaining({ appointmentId, status: 'pending_payment', change: 'AppointmentRequested' }) },
      });
    } finally {
      await t.close();
    }
  });
});
