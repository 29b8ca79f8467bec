import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { accessLogStream } from '../../../src/domain/audit/accessLog.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenConfirmedAppointment, givenSlots } from '../../support/booking.js';
import { LEDGER_ENV, signedUpToNow } from './caseFileSupport.js';

const AUDIT = join(import.meta.dirname, '..', '..', '..', 'src', 'interfaces', 'cli', 'audit.ts');

/** `npm run audit -- …` as a separate process; `env` is all it gets besides PATH. */
function audit(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', AUDIT, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out }); }));
}

describe('npm run audit -- verify-bundle and history', () => {
  let t: TestApp;
  let dataDir: string;
  let files: string;
  let patient: GivenUser;
  let appointmentId: string;
  let bundle: string;
  let publicKey: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hv-audit-cli-data-'));
    files = mkdtempSync(join(tmpdir(), 'hv-audit-cli-'));
    t = await startTestApp({ dataDir, env: LEDGER_ENV });
    const [doctor, auditor] = await Promise.all([givenUser(t, { role: 'doctor' }), givenUser(t, { role: 'auditor' })]);
    patient = await givenUser(t, { role: 'patient' });
    appointmentId = await givenConfirmedAppointment(t, patient, (await givenSlots(t, doctor))[0]);
    await signedUpToNow(t);
    const res = await request(t.http).get(`/api/audit/appointments/${appointmentId}/case?format=bundle`).set(bearer(auditor)).expect(200);
    bundle = JSON.stringify(res.body, null, 2);
    publicKey = t.services.ledger.signer.publicKey;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('verify-bundle passes a downloaded bundle with no database and no configuration, and fails one with a byte changed', async () => {
    const good = join(files, 'good.json');
    writeFileSync(good, bundle);
    const ok = await audit(['verify-bundle', good, '--public-key', publicKey]);
    expect(ok).toMatchObject({ code: 0, out: expect.stringMatching(/^audit verify-bundle: OK: .*good\.json: \d+ events, \d+ proven/) });

    const bad = join(files, 'bad.json');
    const changed = bundle.replace(`"paidPaise": 50000`, `"paidPaise": 50001`);
    expect(changed).not.toBe(bundle);
    writeFileSync(bad, changed);
    const broken = await audit(['verify-bundle', bad, '--public-key', publicKey]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/BROKEN: .*bad\.json/);
    expect(broken.out).toMatch(/content_changed at position \d+ \(appointment-/);

    expect((await audit(['verify-bundle', good])).code).toBe(64);
  }, 120_000);

  it('history prints the appointment\'s events through the audit query, and the read lands in the patient\'s access log', async () => {
    const res = await audit(['history', appointmentId], { DATA_DIR: dataDir, SEED_DEMO: 'false' });
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/AppointmentRequested\s+patient:/);
    expect(res.out).toMatch(/AppointmentConfirmed\s+system:system/);
    const log = await t.services.events.readStream(accessLogStream(patient.userId));
    // The bundle's download (case_file, by the auditor) came first; then this run.
    expect(log.map((e) => (e.data as { record: { kind: string } }).record.kind)).toEqual(['case_file', 'appointment_history']);
    expect(log[1].data).toMatchObject({ readerId: expect.stringMatching(/^cli:/), readerRole: 'admin', reason: 'admin', record: { id: appointmentId } });
    expect((await audit(['history', 'no-such-appointment'], { DATA_DIR: dataDir, SEED_DEMO: 'false' })).code).toBe(1);
  }, 120_000);
});
