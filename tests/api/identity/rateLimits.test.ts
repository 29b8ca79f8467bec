import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } }); });
afterAll(async () => { await t.close(); });

describe('auth rate limits', () => {
  it('login attempts per e-mail address are limited, with Retry-After', async () => {
    const email = 'target@example.com';
    for (let i = 0; i < 3; i += 1) {
      await request(t.http).post('/api/auth/login').set('X-Forwarded-For', `10.0.0.${i}`).send({ email, password: 'guess' }).expect(401);
    }
    const res = await request(t.http).post('/api/auth/login').send({ email, password: 'guess' }).expect(429);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('code requests per client address are limited across different e-mail addresses', async () => {
    // supertest connects from the loopback address, which already spent one attempt in the test above.
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push((await request(t.http).post('/api/auth/resend-otp').send({ email: `other${i}@example.com` })).status);
    expect(answers).toEqual([202, 202, 429]);
    const res = await request(t.http).post('/api/auth/verify-otp').send({ email: 'fresh@example.com', otp: '123456' }).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('sign-up mails a code, so it is limited too', () => {
  it('sign-ups from one client address are limited', async () => {
    const limited = await startTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await request(limited.http).post('/api/auth/signup')
          .send({ name: 'N', email: `spam${i}@example.com`, password: 'long enough pw', role: 'patient' })).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await limited.close();
    }
  });
});
