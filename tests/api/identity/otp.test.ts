import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { systemActor } from '../../../src/domain/shared/event.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { mailedCode, patientSignUp } from './identityFlows.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const signUp = (email: string) => request(t.http).post('/api/auth/signup').send(patientSignUp(email)).expect(201);
const verify = (email: string, otp: string) => request(t.http).post('/api/auth/verify-otp').send({ email, otp });
const wrongCodeFor = (code: string) => (code === '000000' ? '111111' : '000000');
const mailCount = async (to: string) => (await request(t.http).get('/api/dev/mailbox').query({ to })).body.items.length as number;

describe('e-mail codes', () => {
  it('five wrong codes lock the code: the sixth try is 429 and the right code stays refused until a new one is sent', async () => {
    const email = 'brute@example.com';
    await signUp(email);
    const code = await mailedCode(t, email);
    for (let i = 1; i <= 5; i += 1) {
      const res = await verify(email, wrongCodeFor(code)).expect(400);
      expect(res.body.code).toBe('invalid_otp');
    }
    expect((await verify(email, wrongCodeFor(code)).expect(429)).body.code).toBe('otp_locked');
    expect((await verify(email, code).expect(429)).body.code).toBe('otp_locked');

    t.clock.advanceMinutes(1);
    await request(t.http).post('/api/auth/resend-otp').send({ email }).expect(202);
    const fresh = await mailedCode(t, email);
    await verify(email, code === fresh ? wrongCodeFor(fresh) : code).expect(400);
    await verify(email, fresh).expect(200);
  });

  it('thirty wrong codes at once still count: at most five are judged, then the code is locked', async () => {
    const email = 'parallel@example.com';
    await signUp(email);
    const code = await mailedCode(t, email);
    const answers = await Promise.all(Array.from({ length: 30 }, () => verify(email, wrongCodeFor(code))));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
    expect(statuses.every((s) => [400, 409, 429].includes(s))).toBe(true);
    // Whatever the interleaving, five failures are recorded and the right code no longer works.
    for (let i = statuses.filter((s) => s === 400).length; i < 5; i += 1) await verify(email, wrongCodeFor(code));
    await verify(email, code).expect(429);
  });

  it('a code expires after 10 minutes', async () => {
    const email = 'slow@example.com';
    await signUp(email);
    const code = await mailedCode(t, email);
    t.clock.advanceMinutes(10);
    expect((await verify(email, code).expect(400)).body.code).toBe('invalid_otp');
  });

  it('a used code cannot be used again', async () => {
    const email = 'twice@example.com';
    await signUp(email);
    const code = await mailedCode(t, email);
    await verify(email, code).expect(200);
    await verify(email, code).expect(400);
  });

  it('resend sends at most one code a minute per account and always answers 202', async () => {
    const email = 'resend@example.com';
    await signUp(email);
    expect(await mailCount(email)).toBe(1);
    await request(t.http).post('/api/auth/resend-otp').send({ email }).expect(202);
    expect(await mailCount(email)).toBe(1);
    t.clock.advance(60_000);
    await request(t.http).post('/api/auth/resend-otp').send({ email }).expect(202);
    expect(await mailCount(email)).toBe(2);
  });

  it('resend and forgot-password answer 202 for unknown addresses too, and mail nothing', async () => {
    const unknown = await request(t.http).post('/api/auth/resend-otp').send({ email: 'ghost@example.com' }).expect(202);
    const forgot = await request(t.http).post('/api/auth/forgot-password').send({ email: 'ghost@example.com' }).expect(202);
    expect(unknown.body).toEqual(forgot.body);
    expect(await mailCount('ghost@example.com')).toBe(0);
  });

  it('a wrong code stays wrong when repeated under one Idempotency-Key: no token for an unverified account', async () => {
    const email = 'retrying@example.com';
    await signUp(email);
    const code = await mailedCode(t, email);
    const again = () => verify(email, wrongCodeFor(code)).set('Idempotency-Key', 'verify-attempt-1');
    expect((await again().expect(400)).body.code).toBe('invalid_otp');
    const repeated = await again();
    expect(repeated.status).toBe(400);
    expect(repeated.body.token).toBeUndefined();
    // Each try was judged and counted: three more wrong ones lock the code.
    for (let i = 0; i < 3; i += 1) await again().expect(400);
    expect((await again().expect(429)).body.code).toBe('otp_locked');
    const login = await request(t.http).post('/api/auth/login').send({ email, password: patientSignUp(email).password });
    expect(login.status).toBe(403);
  });

  it('a password reset with a wrong code repeated under one Idempotency-Key is refused every time', async () => {
    const email = 'reset-retry@example.com';
    await signUp(email);
    await verify(email, await mailedCode(t, email)).expect(200);
    t.clock.advanceMinutes(1);
    await request(t.http).post('/api/auth/forgot-password').send({ email }).expect(202);
    const code = await mailedCode(t, email);
    // The command itself, as a retry whose first answer was never stored (the process died) reaches it.
    const reset = () => t.services.identity.resetPassword({ email, otp: wrongCodeFor(code), newPassword: 'attacker choice 1' },
      { actor: systemActor, correlationId: 'reset-retry', idempotencyKey: 'anonymous:POST:/api/auth/reset-password:reset-attempt-1' });
    await expect(reset()).rejects.toMatchObject({ code: 'invalid_otp' });
    await expect(reset()).rejects.toMatchObject({ code: 'invalid_otp' });
    await request(t.http).post('/api/auth/login').send({ email, password: 'attacker choice 1' }).expect(401);
  });

  it('verifying an unknown address reads like a wrong code', async () => {
    const res = await verify('nobody-here@example.com', '123456').expect(400);
    expect(res.body.code).toBe('invalid_otp');
  });

  it('the plain code is never stored in an event', async () => {
    const email = 'secret@example.com';
    await signUp(email);
    const code = await mailedCode(t, email);
    const stored = JSON.stringify(await t.services.events.readAll());
    expect(stored).not.toContain(`"${code}"`);
    expect(stored).not.toContain(`:${code}`);
  });
});
