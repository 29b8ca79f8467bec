import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifiedAccount, type HttpAccount } from '../support/httpAccounts.js';
import type { HttpClient } from '../support/httpClient.js';
import { eventually } from '../support/polling.js';
import { freePort, serviceEnv, startServiceProcess, type ServiceProcess } from '../support/serviceProcesses.js';

/*
 * Two service processes on one DATA_DIR share leases: each reactor runs in one of them. The booking
 * confirmation e-mail (a reactor's side effect) lands in the development mailbox of the process that
 * runs the reactor — once. Killing that process hands the reactor to the other within the lease time.
 */
const FEE = 50_000;
const LEASE_TTL_MS = 1_500;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', end: '24:00' }));

describe('one owner per reactor across two processes, and takeover when it dies', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-lease-'));
  let a: ServiceProcess;
  let b: ServiceProcess;
  let doctor: HttpAccount;
  let slots: string[];

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const env = { LEASE_TTL_MS: String(LEASE_TTL_MS) };
    a = await startServiceProcess('A', serviceEnv(dataDir, portA, env));
    b = await startServiceProcess('B', serviceEnv(dataDir, portB, env));
    doctor = await verifiedAccount({
      role: 'doctor', signUpVia: a.client,
      doctor: { specialization: 'General Medicine', feePaise: FEE, experienceYears: 5, timezone: 'Asia/Kolkata' },
    });
    const published = await a.client.send('PUT', '/api/doctors/me/availability', { token: doctor.token, body: { timezone: 'Asia/Kolkata', slotMinutes: 30, days: 2, weekly: EVERY_DAY } });
    expect(published.status).toBe(200);
    const listed = await a.client.send('GET', `/api/doctors/${doctor.userId}/slots`, { query: { status: 'available', from: new Date(Date.now() + 2 * 3_600_000).toISOString() } });
    slots = (listed.body.items as Array<{ slotId: string }>).map((s) => s.slotId);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Signs a patient up at `via`, tops the wallet up there and pays a booking from it: the appointment is confirmed. */
  async function confirmedBooking(via: HttpClient): Promise<HttpAccount> {
    const patient = await verifiedAccount({ role: 'patient', signUpVia: via });
    const topUp = await via.send('POST', '/api/wallet/topup', { token: patient.token, body: { amountPaise: FEE } });
    const proof = await via.send('POST', '/api/dev/razorpay/checkout', { body: { orderId: topUp.body.razorpay.orderId, outcome: 'success', deliverWebhook: false } });
    expect((await via.send('POST', '/api/payments/verify', { body: proof.body })).status).toBe(200);
    await eventually(async () => expect((await via.send('GET', '/api/wallet', { token: patient.token })).body.balancePaise).toBe(FEE));
    const booked = await via.send('POST', '/api/appointments', { token: patient.token, body: { slotId: slots.shift() } });
    expect(booked.status).toBe(201);
    const paid = await via.send('POST', '/api/payments/initiate', { token: patient.token, body: { appointmentId: booked.body.appointmentId, method: 'wallet' } });
    expect(paid.status).toBe(201);
    return patient;
  }

  const confirmations = async (p: ServiceProcess, to: string): Promise<number> => {
    const res = await p.client.send('GET', '/api/dev/mailbox', { query: { to } });
    return ((res.body.items ?? []) as Array<{ subject: string }>).filter((m) => m.subject.startsWith('Appointment confirmed')).length;
  };

  it('sends the confirmation once, from one process; after that one is killed the other sends the next, once', async () => {
    const first = await confirmedBooking(b.client);
    await eventually(async () => expect((await confirmations(a, first.email)) + (await confirmations(b, first.email))).toBe(1), 20_000, 100);
    const owner = (await confirmations(a, first.email)) === 1 ? a : b;
    const survivor = owner === a ? b : a;

    await owner.kill();
    const second = await confirmedBooking(survivor.client);
    // Taken over within the lease time (plus a renewal interval and the catch-up).
    await eventually(async () => expect(await confirmations(survivor, second.email)).toBe(1), LEASE_TTL_MS * 4 + 10_000, 100);
    // Nothing doubled: the survivor did not repeat the dead owner's e-mail, nor send the new one twice.
    await eventually(async () => {
      const ready = await survivor.client.send('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(Object.values(ready.body.lag as Record<string, number>).every((n) => n === 0)).toBe(true);
    }, 15_000, 100);
    expect(await confirmations(survivor, first.email)).toBe(0);
    expect(await confirmations(survivor, second.email)).toBe(1);
  }, 90_000);
});
