import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { verifyBundle, type CaseBundle } from '../../../src/application/audit/caseBundle.js';
import type { CaseFile } from '../../../src/application/audit/caseFiles.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { eventually } from '../../support/polling.js';
import { bearer, FEE, hold, initiate, paymentsWorld, topUp, type PaymentsWorld } from '../payments/paymentsFixture.js';
import { LEDGER_ENV, signedUpToNow } from './caseFileSupport.js';

describe('an appointment\'s case file', () => {
  let w: PaymentsWorld;
  let auditor: GivenUser;
  let admin: GivenUser;
  let appointmentId: string;
  let paymentId: string;
  let topUpPaymentId: string;
  let publicKey: string;

  const caseFile = (who: GivenUser, id = appointmentId) => request(w.t.http).get(`/api/audit/appointments/${id}/case`).set(bearer(who));
  const bundleText = async (): Promise<string> => {
    const res = await caseFile(auditor).query({ format: 'bundle' }).buffer(true).parse((r, done) => {
      let text = '';
      r.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      r.on('end', () => done(null, text));
    }).expect(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="case-${appointmentId}.json"`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.body as string;
  };

  beforeAll(async () => {
    w = await paymentsWorld({ env: LEDGER_ENV });
    [auditor, admin] = await Promise.all([givenUser(w.t, { role: 'auditor' }), givenUser(w.t, { role: 'admin' })]);
    await topUp(w, FEE);
    topUpPaymentId = ((await w.t.services.events.readAll()).find((e) => e.type === 'PaymentInitiated')!.data as { paymentId: string }).paymentId;
    appointmentId = await hold(w, 0);
    paymentId = (await initiate(w, { appointmentId, method: 'wallet' })).body.paymentId;
    await request(w.t.http).post(`/api/appointments/${appointmentId}/reschedule`).set(bearer(w.patient)).send({ newSlotId: w.slots[1] }).expect(200);
    await eventually(async () => {
      const old = await w.t.services.events.readStream(`slot-${w.slots[0]}`);
      expect(old.at(-1)).toMatchObject({ type: 'SlotReleased', data: { reason: 'rescheduled' } });
    });
    await signedUpToNow(w.t);
    publicKey = w.t.services.ledger.signer.publicKey;
  });
  afterAll(async () => { await w.close(); });

  it('holds every stream a booked, wallet-paid, rescheduled appointment touched, each event with its actor and a proof', async () => {
    const body = (await caseFile(auditor).expect(200)).body as CaseFile;
    const { patient } = w;
    expect(body).toMatchObject({ appointmentId, patientId: patient.userId, status: 'verified' });
    expect([...body.streams].sort()).toEqual([
      `appointment-${appointmentId}`, `patient-holds-${patient.userId}`, `payment-${paymentId}`,
      `slot-${w.slots[0]}`, `slot-${w.slots[1]}`, `wallet-${patient.userId}`,
    ].sort());
    const types = (streamId: string) => body.events.filter((e) => e.streamId === streamId).map((e) => e.type);
    expect(types(`appointment-${appointmentId}`)).toEqual(['AppointmentRequested', 'AppointmentConfirmed', 'AppointmentRescheduled']);
    expect(types(`slot-${w.slots[0]}`)).toEqual(['SlotPublished', 'SlotHeld', 'SlotBooked', 'SlotReleased']);
    expect(types(`slot-${w.slots[1]}`)).toEqual(['SlotPublished', 'SlotHeld', 'SlotBooked']);
    expect(types(`payment-${paymentId}`)).toEqual(expect.arrayContaining(['PaymentInitiated', 'PaymentCaptured']));
    expect(types(`wallet-${patient.userId}`)).toEqual(expect.arrayContaining(['WalletDebited']));
    expect(types(`patient-holds-${patient.userId}`)).toEqual(['HoldClaimed']);
    // The top-up earlier in the same wallet is not part of this appointment.
    expect(body.events.some((e) => (e.data as { paymentId?: string }).paymentId === topUpPaymentId)).toBe(false);
    expect(types(`wallet-${patient.userId}`)).not.toContain('WalletCredited');

    const positions = body.events.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const e of body.events) {
      expect(e.actor.role).toMatch(/^(patient|doctor|system)$/);
      expect(e).toMatchObject({ included: true, inclusion: { treeSize: body.head!.size } });
    }
    expect(body.events.find((e) => e.type === 'AppointmentRequested')!.actor).toEqual({ userId: patient.userId, role: 'patient' });
    expect(body.events.find((e) => e.type === 'SlotPublished')!.actor).toEqual({ userId: w.doctor.userId, role: 'doctor' });
    // Causation links resolve inside the case file: the released old slot follows from the reschedule.
    const released = body.events.find((e) => e.type === 'SlotReleased')!;
    expect(released.causedBy).toMatchObject({ streamId: expect.stringMatching(/^(appointment|slot)-/) });
    expect(body.head).toMatchObject({ publicKey, size: expect.any(Number) });
  });

  it('says `pending` for events newer than the latest signed head, and has no bundle to give yet', async () => {
    const t = await paymentsWorld();
    try {
      const id = await hold(t, 0);
      const auditorThere = await givenUser(t.t, { role: 'auditor' });
      const body = (await request(t.t.http).get(`/api/audit/appointments/${id}/case`).set(bearer(auditorThere)).expect(200)).body as CaseFile;
      expect(body.status).toBe('pending');
      expect(body.events.every((e) => e.included === null && e.inclusion === null)).toBe(true);
      const recorded = async () => (await t.t.services.events.readAll()).filter((e) => e.type === 'RecordAccessed').length;
      const before = await recorded();
      await request(t.t.http).get(`/api/audit/appointments/${id}/case?format=bundle`).set(bearer(auditorThere)).expect(409);
      // A bundle refused for want of a signed head was not a read: nothing is recorded for it.
      expect(await recorded()).toBe(before);
    } finally {
      await t.close();
    }
  });

  it('downloads as a bundle that verifies offline with the service\'s public key', async () => {
    const verdict = verifyBundle(JSON.parse(await bundleText()), publicKey);
    expect(verdict).toMatchObject({ valid: true, problems: [] });
    expect(verdict.proven).toBe(verdict.events);
    expect(verdict.events).toBeGreaterThan(10);
  });

  it('a bundle with one byte changed, an event dropped, or checked with another key does not verify', async () => {
    const text = await bundleText();
    const bundle = JSON.parse(text) as CaseBundle;

    const fee = `"feePaise": ${FEE}`;
    expect(text).toContain(fee);
    const oneByte = text.replace(fee, `"feePaise": ${FEE + 1}`);
    expect(oneByte.length).toBe(text.length);
    const changed = verifyBundle(JSON.parse(oneByte), publicKey);
    expect(changed.valid).toBe(false);
    expect(changed.problems.map((p) => p.problem)).toContain('content_changed');

    const dropped = { ...bundle, events: bundle.events.filter((e) => e.type !== 'SlotReleased') };
    const withoutOne = verifyBundle(dropped, publicKey);
    expect(withoutOne.valid).toBe(false);
    expect(withoutOne.problems.map((p) => p.problem)).toContain('manifest_signature');

    const lastDropped = verifyBundle({ ...bundle, events: bundle.events.slice(0, -1) }, publicKey);
    expect(lastDropped.problems.map((p) => p.problem)).toEqual(['manifest_signature']);

    const otherKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(verifyBundle(bundle, otherKey).problems.map((p) => p.problem)).toEqual(['head_signature', 'manifest_signature']);

    expect(verifyBundle({ ...bundle, format: 'something else' }, publicKey)).toMatchObject({ valid: false, problems: [{ problem: 'malformed' }] });
  });

  it('is for auditors and admins only; an unknown appointment is 404; bad input is 400', async () => {
    await caseFile(admin).expect(200);
    await caseFile(w.patient).expect(403);
    await caseFile(w.doctor).expect(403);
    await request(w.t.http).get(`/api/audit/appointments/${appointmentId}/case`).expect(401);
    await caseFile(auditor, 'no-such-appointment').expect(404);
    await caseFile(auditor).query({ format: 'xml' }).expect(400);
  });
});
