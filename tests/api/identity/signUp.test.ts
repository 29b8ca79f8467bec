import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { mailedCode, patientSignUp } from './identityFlows.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

describe('sign-up → e-mail code → sign-in', () => {
  it('a patient signs up, verifies with the mailed code and signs in', async () => {
    const signUp = await request(t.http).post('/api/auth/signup').send(patientSignUp('  Asha@Example.com ')).expect(201);
    expect(signUp.body).toEqual({ userId: expect.any(String), verificationRequired: true });

    const mail = await request(t.http).get('/api/dev/mailbox').query({ to: 'asha@example.com' }).expect(200);
    expect(mail.body.items).toEqual([{ to: 'asha@example.com', subject: expect.any(String), text: expect.stringMatching(/\d{6}/), at: expect.any(String) }]);

    const verified = await request(t.http).post('/api/auth/verify-otp').send({ email: 'asha@example.com', otp: await mailedCode(t, 'asha@example.com') }).expect(200);
    expect(verified.body.user).toEqual({ id: signUp.body.userId, name: 'Asha Rao', email: 'asha@example.com', role: 'patient', avatarUrl: null, emailVerified: true });

    const me = await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${verified.body.token}`).expect(200);
    expect(me.body).toEqual(verified.body.user);

    const login = await request(t.http).post('/api/auth/login').send({ email: 'ASHA@example.com', password: 'correct horse battery' }).expect(200);
    expect(login.body.user.id).toBe(signUp.body.userId);
    await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${login.body.token}`).expect(200);
  });

  it('a doctor signs up with a profile; the time zone defaults to Asia/Kolkata', async () => {
    const email = 'dr.mehta@example.com';
    await request(t.http).post('/api/auth/signup').send({
      name: 'Dr Mehta', email, password: 'stethoscope-42', role: 'doctor', specialization: 'Cardiology', feePaise: 80000, experienceYears: 12,
    }).expect(201);
    const verified = await request(t.http).post('/api/auth/verify-otp').send({ email, otp: await mailedCode(t, email) }).expect(200);
    expect(verified.body.user).toMatchObject({ role: 'doctor', specialization: 'Cardiology', feePaise: 80000, experienceYears: 12, bio: '', timezone: 'Asia/Kolkata' });
  });

  it('an address already in use is refused with 409 email_taken, whatever its case', async () => {
    await request(t.http).post('/api/auth/signup').send(patientSignUp('taken@example.com')).expect(201);
    const again = await request(t.http).post('/api/auth/signup').send(patientSignUp('TAKEN@example.com ')).expect(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body.code).toBe('email_taken');
  });

  it('20 simultaneous sign-ups with one address make exactly one account', async () => {
    const email = 'race@example.com';
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      request(t.http).post('/api/auth/signup').send(patientSignUp(email, { name: `Racer ${i}` }))));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'email_taken')).toBe(true);
    await t.services.projections.waitFor(await t.services.events.headPosition());
    expect(await t.services.reads.count('users', { email })).toBe(1);
  });

  it('login refuses an unverified account with 403 email_not_verified', async () => {
    await request(t.http).post('/api/auth/signup').send(patientSignUp('pending@example.com')).expect(201);
    const res = await request(t.http).post('/api/auth/login').send({ email: 'pending@example.com', password: 'correct horse battery' }).expect(403);
    expect(res.body.code).toBe('email_not_verified');
  });

  it('a wrong password and an unknown address get the same 401', async () => {
    await request(t.http).post('/api/auth/signup').send(patientSignUp('known@example.com')).expect(201);
    const wrong = await request(t.http).post('/api/auth/login').send({ email: 'known@example.com', password: 'not the password' }).expect(401);
    const unknown = await request(t.http).post('/api/auth/login').send({ email: 'nobody@example.com', password: 'not the password' }).expect(401);
    expect(wrong.body).toEqual(unknown.body);
  });
});
