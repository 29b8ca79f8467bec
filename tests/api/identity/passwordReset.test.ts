import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { mailedCode, signUpAndVerify } from './identityFlows.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

describe('forgot and reset password', () => {
  it('a reset by mailed code changes the password and revokes every earlier token', async () => {
    const email = 'forgetful@example.com';
    const { token, password } = await signUpAndVerify(t, email);
    t.clock.advanceMinutes(2);
    await request(t.http).post('/api/auth/forgot-password').send({ email }).expect(202);
    const otp = await mailedCode(t, email);
    await request(t.http).post('/api/auth/reset-password').send({ email, otp, newPassword: 'a brand new secret' }).expect(200);

    const old = await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(old.headers['content-type']).toMatch(/application\/problem\+json/);
    await request(t.http).post('/api/auth/login').send({ email, password }).expect(401);
    const fresh = await request(t.http).post('/api/auth/login').send({ email, password: 'a brand new secret' }).expect(200);
    await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${fresh.body.token}`).expect(200);
  });

  it('a wrong reset code changes nothing', async () => {
    const email = 'careful@example.com';
    const { password } = await signUpAndVerify(t, email);
    t.clock.advanceMinutes(2);
    await request(t.http).post('/api/auth/forgot-password').send({ email }).expect(202);
    const otp = await mailedCode(t, email);
    const wrong = otp === '000000' ? '111111' : '000000';
    expect((await request(t.http).post('/api/auth/reset-password').send({ email, otp: wrong, newPassword: 'attacker choice 1' }).expect(400)).body.code).toBe('invalid_otp');
    await request(t.http).post('/api/auth/login').send({ email, password }).expect(200);
  });

  it('the sign-up code cannot reset the password', async () => {
    const email = 'mixup@example.com';
    await request(t.http).post('/api/auth/signup').send({ name: 'Mix', email, password: 'first password', role: 'patient' }).expect(201);
    const signUpCode = await mailedCode(t, email);
    await request(t.http).post('/api/auth/reset-password').send({ email, otp: signUpCode, newPassword: 'second password' }).expect(400);
  });
});
