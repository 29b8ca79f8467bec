import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { patientSignUp } from './identityFlows.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const doctor = { name: 'Dr X', email: 'drx@example.com', password: 'long enough pw', role: 'doctor', specialization: 'Dermatology', feePaise: 50000 };

describe('sign-up refuses bad bodies with 400 and stores nothing', () => {
  it.each<[string, unknown]>([
    ['an empty body', {}],
    ['a missing password', { name: 'A', email: 'a@example.com', role: 'patient' }],
    ['a wrong type', { ...patientSignUp('a@example.com'), name: 42 }],
    ['an operator-style object for the e-mail', { ...patientSignUp('a@example.com'), email: { $gt: '' } }],
    ['an extra field', { ...patientSignUp('a@example.com'), isAdmin: true }],
    ['a self-made admin', { ...patientSignUp('a@example.com'), role: 'admin' }],
    ['a self-made auditor', { ...patientSignUp('a@example.com'), role: 'auditor' }],
    ['an over-long name', { ...patientSignUp('a@example.com'), name: 'x'.repeat(101) }],
    ['an over-long e-mail', patientSignUp(`${'x'.repeat(250)}@example.com`)],
    ['a password longer than bcrypt reads', { ...patientSignUp('a@example.com'), password: 'é'.repeat(40) }],
    ['a short password', { ...patientSignUp('a@example.com'), password: 'short' }],
    ['not an e-mail address', patientSignUp('not-an-address')],
    ['doctor fields on a patient', { ...patientSignUp('a@example.com'), specialization: 'Cardiology' }],
    ['a doctor without a fee', { ...doctor, feePaise: undefined }],
    ['a negative fee', { ...doctor, feePaise: -1 }],
    ['a fractional fee', { ...doctor, feePaise: 100.5 }],
    ['an unknown time zone', { ...doctor, timezone: 'Mars/Olympus' }],
  ])('%s', async (_, body) => {
    const res = await request(t.http).post('/api/auth/signup').send(body as object).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(await t.services.events.headPosition()).toBe(0);
  });

  it('a `__proto__` key is refused, not merged', async () => {
    const raw = '{"name":"P","email":"proto@example.com","password":"long enough pw","role":"patient","__proto__":{"role":"admin"}}';
    await request(t.http).post('/api/auth/signup').set('Content-Type', 'application/json').send(raw).expect(400);
    expect(await t.services.events.headPosition()).toBe(0);
  });

  it('malformed JSON is a 400 problem, not a crash', async () => {
    const res = await request(t.http).post('/api/auth/signup').set('Content-Type', 'application/json').send('{"name":').expect(400);
    expect(res.body.code).toBe('malformed_json');
  });
});

describe('the other auth bodies are strict too', () => {
  it.each<[string, string, unknown]>([
    ['login with an operator object', '/api/auth/login', { email: { $gt: '' }, password: 'x' }],
    ['login with an extra field', '/api/auth/login', { email: 'a@example.com', password: 'x', role: 'admin' }],
    ['verify with a five-digit code', '/api/auth/verify-otp', { email: 'a@example.com', otp: '12345' }],
    ['verify with a numeric code', '/api/auth/verify-otp', { email: 'a@example.com', otp: 123456 }],
    ['resend without an e-mail', '/api/auth/resend-otp', {}],
    ['forgot with an array', '/api/auth/forgot-password', { email: ['a@example.com'] }],
    ['reset with a short password', '/api/auth/reset-password', { email: 'a@example.com', otp: '123456', newPassword: 'short' }],
  ])('%s → 400', async (_, path, body) => {
    await request(t.http).post(path).send(body as object).expect(400);
  });

  it('the dev mailbox refuses unknown query parameters', async () => {
    await request(t.http).get('/api/dev/mailbox').query({ to: 'a@example.com', x: '1' }).expect(400);
  });
});
