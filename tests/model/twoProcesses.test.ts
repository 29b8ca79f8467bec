import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config.js';
import { buildServices } from '../../src/infrastructure/compositionRoot.js';
import { verifiedAccount, type HttpAccount } from '../support/httpAccounts.js';
import type { HttpAnswer, HttpClient } from '../support/httpClient.js';
import { eventually, sleep } from '../support/polling.js';
import { freePort, serviceEnv, startServiceProcess, type ServiceProcess } from '../support/serviceProcesses.js';
import {
  holdLimitViolations, moneyViolations, parkedEvents, reactorsBehind, readFacts, readModelDifferences, slotViolations,
} from '../support/storeInvariants.js';

/*
 * Two service processes on one DATA_DIR: the embedded profile's stand-in for several instances behind
 * a load balancer. Clients talk HTTP only, each request going to either process; afterwards the store
 * both wrote is checked with the same invariants as the model test. Each process has its own
 * in-memory payment simulator, so a checkout is completed at the process whose order it is.
 */
const FEE = 50_000;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', end: '24:00' }));

describe('two service processes on one data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-two-'));
  let a: ServiceProcess;
  let b: ServiceProcess;
  let both: HttpClient[];
  let doctor: HttpAccount;
  let patients: HttpAccount[];
  let slots: string[];
  const nextSlot = () => {
    const slot = slots.shift();
    if (!slot) throw new Error('out of slots');
    return slot;
  };
  /** Request i goes to A when i is even, to B when odd. */
  const either = (i: number) => both[i % 2];
  const book = (via: HttpClient, patient: HttpAccount, slotId: string) =>
    via.send('POST', '/api/appointments', { token: patient.token, body: { slotId } });

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    [a, b] = await Promise.all([
      startServiceProcess('A', serviceEnv(dataDir, portA)),
      startServiceProcess('B', serviceEnv(dataDir, portB)),
    ]);
    both = [a.client, b.client];
    // Signed up on one process, verified on the other: the code is in the mailbox of the process that sent it.
    doctor = await verifiedAccount({
      role: 'doctor', signUpVia: a.client, verifyVia: b.client, mailboxes: both,
      doctor: { specialization: 'General Medicine', feePaise: FEE, experienceYears: 5, timezone: 'Asia/Kolkata' },
    });
    patients = await Promise.all(Array.from({ length: 12 }, (_, i) => verifiedAccount({ role: 'patient', signUpVia: either(i), verifyVia: either(i + 1), mailboxes: both })));
    const published = await b.client.send('PUT', '/api/doctors/me/availability', { token: doctor.token, body: { timezone: 'Asia/Kolkata', slotMinutes: 30, days: 2, weekly: EVERY_DAY } });
    expect(published.status).toBe(200);
    const from = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const listed = await a.client.send('GET', `/api/doctors/${doctor.userId}/slots`, { query: { status: 'available', from } });
    slots = (listed.body.items as Array<{ slotId: string }>).map((s) => s.slotId);
    expect(slots.length).toBeGreaterThanOrEqual(20);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('of 50 bookings of one slot, sent to both processes at once, exactly one wins', async () => {
    const slotId = nextSlot();
    const racers = patients.slice(0, 10);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => book(either(i), racers[i % racers.length], slotId)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
  }, 30_000);

  it('one patient booking 12 slots at once across both processes gets at most 3 holds', async () => {
    const greedy = patients[10];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => book(either(i), greedy, nextSlot())));
    expect(answers.filter((r) => r.status >= 500)).toEqual([]);
    expect(answers.filter((r) => r.status === 201).length).toBeLessThanOrEqual(3);
  }, 30_000);

  it('paying one appointment from both processes at once takes the fee once', async () => {
    const payer = patients[11];
    const wallet = async () => (await b.client.send('GET', '/api/wallet', { token: payer.token })).body.balancePaise as number;
    // Top-up through A: its simulator holds the order.
    const topUp = await a.client.send('POST', '/api/wallet/topup', { token: payer.token, body: { amountPaise: 4 * FEE } });
    const topUpProof = await a.client.send('POST', '/api/dev/razorpay/checkout', { body: { orderId: topUp.body.razorpay.orderId, outcome: 'success', deliverWebhook: false } });
    expect((await a.client.send('POST', '/api/payments/verify', { body: topUpProof.body })).status).toBe(200);
    await eventually(async () => expect(await wallet()).toBe(4 * FEE));

    const pay = (via: HttpClient, appointmentId: string, method: string, key?: string): Promise<HttpAnswer> =>
      via.send('POST', '/api/payments/initiate', { token: payer.token, body: { appointmentId, method }, headers: key ? { 'Idempotency-Key': key } : {} });
    const appointment = async (booked: HttpAnswer) => {
      expect(booked.status).toBe(201);
      return booked.body.appointmentId as string;
    };

    // The same wallet payment sent to both processes, without and with an Idempotency-Key.
    const plain = await appointment(await book(b.client, payer, nextSlot()));
    const racing = await Promise.all([pay(a.client, plain, 'wallet'), pay(b.client, plain, 'wallet')]);
    expect(racing.filter((r) => r.status >= 500)).toEqual([]);
    const keyed = await appointment(await book(a.client, payer, nextSlot()));
    const key = `pay-${keyed}`;
    const replayed = await Promise.all([pay(a.client, keyed, 'wallet', key), pay(b.client, keyed, 'wallet', key), pay(a.client, keyed, 'wallet', key)]);
    expect(new Set(replayed.filter((r) => r.status === 201).map((r) => r.body.paymentId)).size).toBe(1);

    // A card payment: the order and checkout at A, verify raced on both processes.
    const card = await appointment(await book(a.client, payer, nextSlot()));
    const initiated = await pay(a.client, card, 'razorpay');
    expect(initiated.status).toBe(201);
    const proof = await a.client.send('POST', '/api/dev/razorpay/checkout', { body: { orderId: initiated.body.razorpay.orderId, outcome: 'success' } });
    const verified = await Promise.all([a.client, b.client, a.client, b.client].map((via) => via.send('POST', '/api/payments/verify', { body: proof.body })));
    expect(verified.filter((r) => r.status >= 500)).toEqual([]);
    expect(verified.filter((_, i) => i % 2 === 0).map((r) => r.status)).toEqual([200, 200]);

    await eventually(async () => {
      for (const id of [plain, keyed, card]) {
        expect((await b.client.send('GET', `/api/appointments/${id}`, { token: payer.token })).body.status).toBe('confirmed');
      }
      // Two appointments paid from the wallet, each once; any second capture given back.
      expect(await wallet()).toBe(2 * FEE);
    }, 15_000, 200);
  }, 45_000);

  it('leaves every confirmed appointment in its own booked slot, no slot taken twice, and money conserved', async () => {
    // Quiet: both processes' projections caught up twice in a row, with time for each to see the other's writes.
    await eventually(async () => {
      for (let round = 0; round < 2; round += 1) {
        for (const p of [a, b]) {
          const ready = await p.client.send('GET', '/readyz');
          expect(Object.values(ready.body.lag ?? { unknown: 1 }).every((n) => n === 0)).toBe(true);
        }
        await sleep(1_200);
      }
    }, 20_000, 100);
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);

    const stopped = await buildServices(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO: 'false' }));
    try {
      const facts = await readFacts(stopped.events);
      const now = new Date().toISOString();
      expect([
        ...slotViolations(facts, now),
        ...holdLimitViolations(facts, now),
        ...moneyViolations(facts, { now, parked: await parkedEvents(stopped) }),
        ...(await reactorsBehind(stopped)),
        ...(await readModelDifferences(stopped)),
      ]).toEqual([]);
    } finally {
      await stopped.stop();
    }
  }, 45_000);
});
