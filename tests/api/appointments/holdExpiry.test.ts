import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { FakeClock } from '../../support/fakeClock.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser } from '../../support/identity.js';
import { bearer, givenHold, givenPayment, givenSlots } from '../../support/booking.js';
import { eventually, sleep } from '../../support/polling.js';
import { RELEASE_SLOT_HOLD_JOB } from '../../../src/application/appointments/releaseSlotHold.js';
import { SWEEP_LAPSED_HOLDS_JOB } from '../../../src/application/appointments/sweepLapsedHolds.js';

/*
 * The real Agenda scheduler on the real SQLite backend fires jobs at real time (polling every 50 ms in
 * tests). The fake clock is set to the real time when a hold is made, with a 2-second hold, so the
 * expiry job falls due about two real seconds later.
 */
const HOLD_TTL_SECONDS = 2;
const env = { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) };
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', end: '24:00' }));


async function slotEvents(t: TestApp, slotId: string): Promise<string[]> {
  return (await t.services.events.readStream(`slot-${slotId}`)).map((e) => e.type);
}

async function setUp(t: TestApp) {
  const doctor = await givenUser(t, { role: 'doctor' });
  const patient = await givenUser(t, { role: 'patient' });
  // Slots start on the half hour; the third one is at least an hour ahead, past the minimum notice.
  const slots = (await givenSlots(t, doctor, EVERY_DAY, 2)).slice(2);
  return { doctor, patient, slots };
}

describe('hold expiry with the real scheduler', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

  it('an unpaid hold is released when its time is up and the appointment expires; a paid one is left alone', async () => {
    const t = await startTestApp({ clock: new FakeClock(new Date()), env });
    cleanups.push(() => t.close());
    const { doctor, patient, slots } = await setUp(t);

    t.clock.set(new Date());
    const paid = await givenHold(t, patient, slots[0]);
    await givenPayment(t, paid);
    t.clock.advance(10);
    const unpaid = await givenHold(t, patient, slots[1]);
    expect(await slotEvents(t, slots[1])).toEqual(['SlotPublished', 'SlotHeld']);

    await eventually(async () => {
      expect(await slotEvents(t, slots[1])).toEqual(['SlotPublished', 'SlotHeld', 'SlotReleased']);
      await t.services.projections.waitFor(await t.services.events.headPosition());
      const res = await request(t.http).get(`/api/appointments/${unpaid}`).set(bearer(patient)).expect(200);
      expect(res.body.status).toBe('expired');
    });
    const released = (await t.services.events.readStream(`slot-${slots[1]}`))[2];
    expect(released.data).toMatchObject({ appointmentId: unpaid, reason: 'payment_timeout' });
    expect(released.metadata.actor).toEqual({ userId: 'system', role: 'system' });
    const board = await request(t.http).get(`/api/doctors/${doctor.userId}/slots?status=available`).expect(200);
    expect(board.body.items.map((s: { slotId: string }) => s.slotId)).toContain(slots[1]);

    // The paid hold's job was due 10 ms earlier; give it a moment more, then nothing must have changed.
    await sleep(300);
    expect(await slotEvents(t, slots[0])).toEqual(['SlotPublished', 'SlotHeld', 'SlotBooked']);
    const confirmed = await request(t.http).get(`/api/appointments/${paid}`).set(bearer(patient)).expect(200);
    expect(confirmed.body.status).toBe('confirmed');
  });

  it('a hold whose time came while the service was down is released after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'healthvision-restart-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestApp({ clock: new FakeClock(new Date()), env, dataDir });
    const { patient, slots } = await setUp(first);
    first.clock.set(new Date());
    const appointmentId = await givenHold(first, patient, slots[0]);
    const expiresAt = Date.parse((await first.services.appointments.getAppointment(appointmentId))!.holdExpiresAt!);
    await first.close();

    await sleep(Math.max(0, expiresAt - Date.now()) + 200);
    const second = await startTestApp({ clock: new FakeClock(new Date()), env, dataDir });
    cleanups.unshift(() => second.close());
    expect((await slotEvents(second, slots[0])).slice(0, 2)).toEqual(['SlotPublished', 'SlotHeld']);
    await eventually(async () => {
      expect(await slotEvents(second, slots[0])).toEqual(['SlotPublished', 'SlotHeld', 'SlotReleased']);
      const appointment = await second.services.events.readStream(`appointment-${appointmentId}`);
      expect(appointment.map((e) => e.type)).toEqual(['AppointmentRequested', 'AppointmentExpired']);
    });
  });

  it('a hold whose timer was lost or gave up is released by the periodic sweep, wallet part included', async () => {
    const t = await startTestApp({ clock: new FakeClock(new Date()), env: { HOLD_TTL_SECONDS: '900' } });
    cleanups.push(() => t.close());
    const { patient, slots } = await setUp(t);
    await t.services.wallet.credit({ userId: patient.userId, creditId: 'gift', amountPaise: 100_000, reason: 'topup', paymentId: null },
      { actor: { userId: 'system', role: 'system' }, correlationId: 'gift' });
    t.clock.set(new Date());
    const appointmentId = await givenHold(t, patient, slots[0]);
    await request(t.http).post('/api/payments/initiate').set(bearer(patient))
      .send({ appointmentId, method: 'hybrid', walletAmountPaise: 10_000 }).expect(201);
    // The timer is gone (a store outage outlasted its retries on an older version, or it was never saved).
    await eventually(async () => expect(await t.services.scheduler.cancel(RELEASE_SLOT_HOLD_JOB, { appointmentId })).toBe(1));
    t.clock.advanceMinutes(16);
    await t.services.projections.waitFor(await t.services.events.headPosition());
    expect(await t.services.appointments.sweepLapsedHolds()).toBe(1);
    expect(await slotEvents(t, slots[0])).toEqual(['SlotPublished', 'SlotHeld', 'SlotReleased']);
    expect((await t.services.appointments.getAppointment(appointmentId))?.status).toBe('expired');
    await eventually(async () => expect((await request(t.http).get('/api/wallet').set(bearer(patient)).expect(200)).body)
      .toMatchObject({ reservedPaise: 0, availablePaise: 100_000 }));
    // Nothing is left to sweep, and sweeping again changes nothing.
    await t.services.projections.waitFor(await t.services.events.headPosition());
    const head = await t.services.events.headPosition();
    expect(await t.services.appointments.sweepLapsedHolds()).toBe(0);
    expect(await t.services.events.headPosition()).toBe(head);
  });

  it('the sweep is one recurring job in the store, however often the service starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'healthvision-sweep-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestApp({ dataDir });
    await first.close();
    const second = await startTestApp({ dataDir });
    cleanups.unshift(() => second.close());
    const db = new Database(second.config.sqliteFile, { readonly: true });
    try {
      const rows = db.prepare('SELECT repeat_interval FROM agenda_jobs WHERE name = ?').all(SWEEP_LAPSED_HOLDS_JOB) as Array<{ repeat_interval: string }>;
      expect(rows).toHaveLength(1);
      expect(Number(JSON.parse(rows[0].repeat_interval))).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});
