import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/infrastructure/config.js';
import { buildServices } from '../src/infrastructure/compositionRoot.js';
import { verifiedAccount, type HttpAccount } from '../tests/support/httpAccounts.js';
import { networkClient, type HttpAnswer, type HttpCall, type HttpClient } from '../tests/support/httpClient.js';
import { sleep } from '../tests/support/polling.js';
import { freePort, serviceEnv, startServiceProcess, type ServiceProcess } from '../tests/support/serviceProcesses.js';
import {
  holdLimitViolations, lapsedHoldViolations, moneyViolations, parkedEvents, reactorsBehind, readFacts, readModelDifferences, slotViolations,
} from '../tests/support/storeInvariants.js';

/*
 * `npm run chaos`: patients book and pay by wallet against the real service process while it is
 * SIGKILLed CHAOS_KILLS times (default 5) at random moments and started again on the same DATA_DIR.
 * Afterwards, from the store alone: every write the service acknowledged is there, no slot is both
 * booked and free (or booked twice), every lapsed hold was released, wallets equal their ledgers and
 * money is conserved, no reactor stopped short, and read models equal a rebuild from the events.
 * Prints one summary line, saves bench/results/chaos.json, exits 1 on any violation.
 */
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const PATIENTS = 16;
const WORKERS = 6;
const FEE = 50_000;
const HOLD_TTL_SECONDS = 20;
/** How long after the last lapse releasing may take: each hold's job fires at its expiry, the sweep runs every minute. */
const RELEASE_GRACE_MS = 75_000;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', end: '24:00' }));

interface Acknowledged { bookings: Map<string, string>; payments: Map<string, string> }

/** A call that may meet a dead process: a connection error is simply no answer. */
async function attempt(client: HttpClient, method: 'GET' | 'POST' | 'PUT', path: string, call: HttpCall): Promise<HttpAnswer | null> {
  try {
    return await client.send(method, path, call);
  } catch {
    return null;
  }
}

async function topUp(client: HttpClient, patient: HttpAccount, captures: Array<{ orderId: string; gatewayPaymentId: string }>): Promise<void> {
  const order = await client.send('POST', '/api/wallet/topup', { token: patient.token, body: { amountPaise: 20 * FEE } });
  const proof = await client.send('POST', '/api/dev/razorpay/checkout', { body: { orderId: order.body.razorpay.orderId, outcome: 'success', deliverWebhook: false } });
  const verified = await client.send('POST', '/api/payments/verify', { body: proof.body });
  if (verified.status !== 200) throw new Error(`top-up verify answered ${verified.status}: ${JSON.stringify(verified.body)}`);
  captures.push({ orderId: proof.body.razorpay_order_id as string, gatewayPaymentId: proof.body.razorpay_payment_id as string });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-chaos-'));
  const env = serviceEnv(dataDir, await freePort(), { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), MIN_NOTICE_MINUTES: '0' });
  const client = networkClient(`http://127.0.0.1:${env.PORT}`, 'service', 5_000);
  let service: ServiceProcess = await startServiceProcess('service', env);
  const captures: Array<{ orderId: string; gatewayPaymentId: string }> = [];
  const acked: Acknowledged = { bookings: new Map(), payments: new Map() };
  const counts = { sent: 0, refused: 0, unanswered: 0 };
  const started = Date.now();

  const doctor = await verifiedAccount({ role: 'doctor', signUpVia: client, doctor: { specialization: 'General Medicine', feePaise: FEE, experienceYears: 5, timezone: 'Asia/Kolkata' } });
  await client.send('PUT', '/api/doctors/me/availability', { token: doctor.token, body: { timezone: 'Asia/Kolkata', slotMinutes: 15, days: 7, weekly: EVERY_DAY } });
  const listed = await client.send('GET', `/api/doctors/${doctor.userId}/slots`, { query: { status: 'available', from: new Date(Date.now() + 3_600_000).toISOString() } });
  const slots = (listed.body.items as Array<{ slotId: string }>).map((s) => s.slotId).sort(() => Math.random() - 0.5);
  const patients: HttpAccount[] = [];
  for (let i = 0; i < PATIENTS; i += 1) {
    const patient = await verifiedAccount({ role: 'patient', signUpVia: client });
    await topUp(client, patient, captures);
    patients.push(patient);
  }

  let running = true;
  const worker = async () => {
    while (running && slots.length > 0) {
      const patient = patients[Math.floor(Math.random() * patients.length)];
      const slotId = slots.pop()!;
      counts.sent += 1;
      const booked = await attempt(client, 'POST', '/api/appointments', { token: patient.token, body: { slotId } });
      if (!booked) { counts.unanswered += 1; await sleep(100); continue; }
      if (booked.status !== 201) { counts.refused += 1; continue; }
      const appointmentId = booked.body.appointmentId as string;
      acked.bookings.set(appointmentId, slotId);
      // Three in four are paid at once; the rest lapse and must be released by the compensating job.
      if (Math.random() < 0.25) continue;
      counts.sent += 1;
      const paid = await attempt(client, 'POST', '/api/payments/initiate', { token: patient.token, body: { appointmentId, method: 'wallet' } });
      if (!paid) counts.unanswered += 1;
      else if (paid.status === 201) acked.payments.set(paid.body.paymentId as string, appointmentId);
      else counts.refused += 1;
    }
  };
  const workers = Array.from({ length: WORKERS }, worker);

  const kills: Array<{ afterMs: number; restartMs: number }> = [];
  for (let k = 0; k < KILLS; k += 1) {
    await sleep(1_500 + Math.random() * 3_500);
    const at = Date.now();
    await service.kill();
    service = await startServiceProcess('service', env);
    kills.push({ afterMs: at - started, restartMs: Date.now() - at });
  }
  await sleep(2_000);
  running = false;
  await Promise.all(workers);

  // Let the restarted service finish the sagas and release every hold once it has lapsed (the last ones
  // lapse HOLD_TTL_SECONDS from now), then stop it the polite way.
  const offline = await buildServices(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO: 'false' }));
  const allLapsed = Date.now() + HOLD_TTL_SECONDS * 1000;
  const unreleased = async () => lapsedHoldViolations(await readFacts(offline.events), new Date().toISOString(), 0).length;
  do await sleep(2_000);
  while ((Date.now() < allLapsed || (await unreleased()) > 0) && Date.now() < allLapsed + RELEASE_GRACE_MS);
  const releasedWithinMs = Date.now() - allLapsed;
  await offline.stop();
  const exitCode = await service.stop();

  const stopped = await buildServices(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO: 'false' }));
  try {
    const facts = await readFacts(stopped.events);
    const now = new Date().toISOString();
    const missing = [
      ...[...acked.bookings].filter(([id]) => !facts.appointments.has(id)).map(([id]) => `acknowledged booking ${id} is not in the store`),
      ...[...acked.payments].filter(([id]) => !facts.payments.has(id)).map(([id]) => `acknowledged payment ${id} is not in the store`),
    ];
    const violations = {
      missing,
      slots: slotViolations(facts, now),
      holdLimit: holdLimitViolations(facts, now),
      lapsedHolds: lapsedHoldViolations(facts, now, 0),
      money: moneyViolations(facts, { now, parked: await parkedEvents(stopped), gatewayCaptures: captures }),
      reactors: await reactorsBehind(stopped),
      readModels: await readModelDifferences(stopped),
      exit: exitCode === 0 ? [] : [`the last process exited with ${exitCode} on SIGTERM`],
    };
    const statuses = [...facts.appointments.values()].reduce<Record<string, number>>((n, a) => ({ ...n, [a.state.status]: (n[a.state.status] ?? 0) + 1 }), {});
    const broken = Object.values(violations).flat();
    const summary = {
      measuredAt: new Date().toISOString(), kills, requests: counts, events: facts.head,
      acknowledged: { bookings: acked.bookings.size, payments: acked.payments.size }, appointments: statuses,
      lastReleaseAfterLapseMs: releasedWithinMs, violations, ok: broken.length === 0, seconds: Math.round((Date.now() - started) / 1000),
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'chaos.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`chaos: ${kills.length} SIGKILLs (restart ${kills.map((k) => `${(k.restartMs / 1000).toFixed(1)} s`).join(', ')}), `
      + `${acked.bookings.size} bookings and ${acked.payments.size} payments acknowledged over ${summary.seconds} s: `
      + (broken.length === 0
        ? 'all present, no slot double-booked or left held, every lapsed hold released, money conserved, read models equal a rebuild'
        : `${broken.length} violation(s):\n  ${broken.slice(0, 20).join('\n  ')}`));
    process.exitCode = broken.length === 0 ? 0 : 1;
  } finally {
    await stopped.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
