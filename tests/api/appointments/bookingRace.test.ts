import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenSlots } from '../../support/booking.js';

const CONTENDERS = 50;

describe('many patients booking the same slot at once', () => {
  let t: TestApp;
  let server: Server;
  let patients: GivenUser[];
  let slots: string[];

  beforeAll(async () => {
    t = await startTestApp();
    // One listening server for every request, instead of one per supertest call.
    server = t.http.listen(0, '127.0.0.1');
    const doctor = await givenUser(t, { role: 'doctor' });
    patients = await Promise.all(Array.from({ length: CONTENDERS }, () => givenUser(t, { role: 'patient' })));
    slots = await givenSlots(t, doctor, ['tue', 'wed', 'thu'].map((day) => ({ day, start: '09:00', end: '20:00' })));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const race = (slotId: string) => Promise.all(patients.map((p) => request(server).post('/api/appointments').set(bearer(p)).send({ slotId })));

  async function expectExactlyOneWinner(slotId: string, statuses: number[]): Promise<void> {
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(CONTENDERS - 1);
    const stream = await t.services.events.readStream(`slot-${slotId}`);
    expect(stream.filter((e) => e.type === 'SlotHeld')).toHaveLength(1);
  }

  it('exactly one of 50 wins (201), 49 get 409, and the slot is held once', async () => {
    const answers = await race(slots[0]);
    await expectExactlyOneWinner(slots[0], answers.map((r) => r.status));
    const winner = answers.find((r) => r.status === 201)!;
    expect(winner.body).toMatchObject({ status: 'pending_payment', slotId: slots[0] });
    expect(answers.filter((r) => r.status === 409).every((r) => r.headers['content-type'].includes('problem+json'))).toBe(true);
  });

  it('a booking that loses the race writes nothing: the losers\' hold places were never taken', async () => {
    const answers = await race(slots[21]);
    await expectExactlyOneWinner(slots[21], answers.map((r) => r.status));
    const winner = patients[answers.findIndex((r) => r.status === 201)];
    for (const p of patients.filter((q) => q !== winner)) {
      const holds = await t.services.events.readStream(`patient-holds-${p.userId}`);
      expect(holds.filter((e) => e.data && (e.data as { slotId?: string }).slotId === slots[21])).toEqual([]);
    }
  });

  it('the same holds across 20 slots raced in parallel', async () => {
    const raced = slots.slice(1, 21);
    expect(raced).toHaveLength(20);
    const answers = await Promise.all(raced.map(race));
    for (const [i, slotId] of raced.entries()) await expectExactlyOneWinner(slotId, answers[i].map((r) => r.status));
  });

  it('one patient racing themselves over 12 slots gets at most 3 holds, and every refused booking leaves no hold behind', async () => {
    const racer = await givenUser(t, { role: 'patient' });
    const raced = slots.slice(44, 56);
    expect(raced).toHaveLength(12);
    const answers = await Promise.all(raced.map((slotId) => request(server).post('/api/appointments').set(bearer(racer)).send({ slotId })));
    const won = answers.filter((r) => r.status === 201);
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(won.length).toBeLessThanOrEqual(3);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(12 - won.length);
    const heldByRacer = [];
    for (const slotId of raced) {
      const last = (await t.services.events.readStream(`slot-${slotId}`)).at(-1)!;
      if (last.type === 'SlotHeld') heldByRacer.push(slotId);
    }
    expect(heldByRacer.sort()).toEqual(won.map((r) => r.body.slotId as string).sort());
    // With the race over, the patient's places are what the limit allows.
    const more = await request(server).post('/api/appointments').set(bearer(racer)).send({ slotId: slots[60] });
    expect(more.status).toBe(won.length < 3 ? 201 : 409);
  });

  it('ten confirmed appointments rescheduling into one free slot at once: one moves, the others keep their slots', async () => {
    // Fresh patients: the ones above may already hold their three unpaid slots.
    const movers = await Promise.all(Array.from({ length: 10 }, () => givenUser(t, { role: 'patient' })));
    const from = slots.slice(25, 35);
    const ids = await Promise.all(movers.map((p, i) => givenConfirmedAppointment(t, p, from[i])));
    const target = slots[40];
    const answers = await Promise.all(ids.map((id, i) => request(server).post(`/api/appointments/${id}/reschedule`).set(bearer(movers[i])).send({ newSlotId: target })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(9);
    const stream = await t.services.events.readStream(`slot-${target}`);
    expect(stream.map((e) => e.type)).toEqual(['SlotPublished', 'SlotHeld', 'SlotBooked']);
    const moved = answers.findIndex((r) => r.status === 200);
    for (const [i, slotId] of from.entries()) {
      const last = (await t.services.events.readStream(`slot-${slotId}`)).at(-1)!;
      expect(last.type).toBe(i === moved ? 'SlotReleased' : 'SlotBooked');
    }
  });
});
