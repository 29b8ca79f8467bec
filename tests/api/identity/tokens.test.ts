import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { authenticate, requireRole } from '../../../src/interfaces/http/auth.middleware.js';
import { errorHandler } from '../../../src/interfaces/http/problem.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';

let t: TestApp;
let patient: GivenUser;
beforeAll(async () => {
  t = await startTestApp();
  patient = await givenUser(t, { role: 'patient', name: 'Ravi' });
});
afterAll(async () => { await t.close(); });

const me = (authorization?: string) => {
  const req = request(t.http).get('/api/auth/me');
  return authorization === undefined ? req : req.set('Authorization', authorization);
};
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) => jwt.decode(token) as jwt.JwtPayload;

describe('bearer tokens', () => {
  it('a fresh token from givenUser is accepted at once', async () => {
    const res = await me(`Bearer ${patient.token}`).expect(200);
    expect(res.body).toMatchObject({ id: patient.userId, name: 'Ravi', role: 'patient', emailVerified: true });
  });

  it('carries sub, role, iat, exp (1 h), iss and aud, signed HS256', () => {
    const header = JSON.parse(Buffer.from(patient.token.split('.')[0], 'base64url').toString()) as { alg: string };
    const claims = claimsOf(patient.token);
    expect(header.alg).toBe('HS256');
    expect(claims).toMatchObject({ sub: patient.userId, role: 'patient', iss: t.config.JWT_ISSUER, aud: t.config.JWT_AUDIENCE });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it.each<[string, () => string | undefined, string]>([
    ['no Authorization header', () => undefined, 'authentication_required'],
    ['a garbled token', () => 'Bearer not.a.token', 'invalid_token'],
    ['a non-bearer scheme', () => `Basic ${patient.token}`, 'invalid_token'],
    ['an unsigned token (alg none)', () => {
      const c = claimsOf(patient.token);
      return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(c)}.`;
    }, 'invalid_token'],
    ['a token signed with another secret', () => {
      const { sub, role, tv } = claimsOf(patient.token);
      return `Bearer ${jwt.sign({ role, tv }, 'some-other-secret-of-at-least-32-bytes!!', { subject: sub, issuer: t.config.JWT_ISSUER, audience: t.config.JWT_AUDIENCE })}`;
    }, 'invalid_token'],
    ['a token that promotes itself to admin', () => {
      const [h, , s] = patient.token.split('.');
      return `Bearer ${h}.${b64({ ...claimsOf(patient.token), role: 'admin' })}.${s}`;
    }, 'invalid_token'],
    ['a token for another audience', () => {
      const { sub, role, tv } = claimsOf(patient.token);
      return `Bearer ${jwt.sign({ role, tv }, t.config.JWT_SECRET, { subject: sub, issuer: t.config.JWT_ISSUER, audience: 'someone-else', algorithm: 'HS256' })}`;
    }, 'invalid_token'],
  ])('%s → 401', async (_, authorization, code) => {
    const res = await me(authorization()).expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe(code);
  });

  it('an expired token → 401', async () => {
    const user = await givenUser(t, { role: 'patient' });
    t.clock.advance(3600 * 1000 + 1000);
    await me(`Bearer ${user.token}`).expect(401);
  });

  it('a valid token for the wrong role → 403', async () => {
    const doctor = await givenUser(t, { role: 'doctor' });
    const guarded = express()
      .use(authenticate(t.services.authenticate))
      .get('/admin-only', requireRole('admin'), (_req, res) => { res.json({ ok: true }); })
      .use(errorHandler);
    const res = await request(guarded).get('/admin-only').set('Authorization', `Bearer ${doctor.token}`).expect(403);
    expect(res.body.code).toBe('forbidden_role');
    const admin = await givenUser(t, { role: 'admin' });
    await request(guarded).get('/admin-only').set('Authorization', `Bearer ${admin.token}`).expect(200);
  });
});
