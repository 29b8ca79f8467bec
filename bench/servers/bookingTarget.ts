/**
 * The whole service in its own process for the booking bench (so the load generator does not share
 * its event loop), seeded with doctors, slots and patients. Writes the fixture to the file named by
 * argv[2] and prints `ready` once listening. Stops on SIGTERM. With HV_BENCH_CPU_PROFILE set, the CPU is
 * profiled from `ready` to SIGTERM (the booking load, not the seeding) into that .cpuprofile file.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config.js';
import { startServer } from '../../src/interfaces/server.js';
import { systemActor } from '../../src/domain/shared/event.js';
import { startCpuProfile } from '../cpuProfile.js';

const fixtureFile = process.argv[2];
const patients = Number(process.argv[3] ?? 2000);
const dataDir = mkdtempSync(join(tmpdir(), 'hv-bench-booking-'));
const config = loadConfig({
  NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO: 'false', PORT: '0', HOST: '127.0.0.1',
  BCRYPT_COST: '4', RATE_LIMIT_PER_MINUTE: '10000000', AUTH_RATE_LIMIT_PER_MINUTE: '10000000', MIN_NOTICE_MINUTES: '0',
});
const server = await startServer(config);
const { identity, reads, projections, events } = server.services;
const ctx = { actor: systemActor, correlationId: 'bench-setup' };

const doctorTokens: string[] = [];
for (let d = 0; d < 2; d += 1) {
  const email = `bench-doctor-${d}@example.test`;
  await identity.createVerifiedUser({ name: `Doctor ${d}`, email, password: 'bench-password-1', role: 'doctor',
    doctor: { specialization: 'General Medicine', feePaise: 50_000, experienceYears: 5, bio: 'bench', timezone: 'Asia/Kolkata' } }, ctx);
  doctorTokens.push((await identity.login({ email, password: 'bench-password-1' }, ctx)).token);
}
const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
for (const token of doctorTokens) {
  const res = await fetch(`${server.url}/api/doctors/me/availability`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ timezone: 'Asia/Kolkata', slotMinutes: 5, days: 30, weekly: days.map((day) => ({ day, start: '00:00', end: '23:55' })) }),
  });
  if (!res.ok) throw new Error(`availability: ${res.status} ${await res.text()}`);
}
const tokens: string[] = [];
for (let p = 0; p < patients; p += 1) {
  const email = `bench-patient-${p}@example.test`;
  await identity.createVerifiedUser({ name: `Patient ${p}`, email, password: 'bench-password-1', role: 'patient' }, ctx);
  tokens.push((await identity.login({ email, password: 'bench-password-1' }, ctx)).token);
}
// argv[4]: a wallet top-up for every patient (the mixed workload pays by wallet), through the gateway simulator.
const topUpPaise = Number(process.argv[4] ?? 0);
for (const token of topUpPaise > 0 ? tokens : []) {
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const { razorpay } = await call('/api/wallet/topup', { amountPaise: topUpPaise }) as { razorpay: { orderId: string } };
  await call('/api/payments/verify', await call('/api/dev/razorpay/checkout', { orderId: razorpay.orderId, outcome: 'success' }));
}
await projections.waitFor(await events.headPosition(), 60_000);
const now = new Date(Date.now() + 60 * 60_000).toISOString();
const slots = await reads.find<{ id: string; slotId: string; start: string; doctorId: string }>('slots', { status: 'available', start: { $gt: now } }, { sort: { start: 1 } });
writeFileSync(fixtureFile, JSON.stringify({ url: server.url, tokens, slotIds: slots.map((s) => s.slotId), doctorIds: [...new Set(slots.map((s) => s.doctorId))] }));
const profileFile = process.env.HV_BENCH_CPU_PROFILE;
const profile = profileFile ? await startCpuProfile() : null;
console.log('ready');

process.on('SIGTERM', () => {
  void (async () => {
    if (profile && profileFile) await profile.stopTo(profileFile);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  })();
});
