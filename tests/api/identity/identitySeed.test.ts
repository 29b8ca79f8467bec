import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { seedIdentity } from '../../../src/infrastructure/seed/identitySeed.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

describe('demo seed: identity part', () => {
  it('creates a verified admin, auditor, three doctors of different specializations and a patient, whose printed passwords work', async () => {
    const lines: string[] = [];
    const people = await seedIdentity(t.services, lines);
    expect(lines).toHaveLength(6);
    const doctors = await t.services.reads.find('users', { role: 'doctor' });
    expect(new Set(doctors.map((d) => d.specialization)).size).toBe(3);
    expect(new Set(doctors.map((d) => d.feePaise)).size).toBe(3);
    expect(people.doctors.map((d) => d.userId).sort()).toEqual(doctors.map((d) => d.id).sort());

    for (const line of lines) {
      const [, email, password] = /(\S+@\S+)\s+password: (\S+)/.exec(line) ?? [];
      const res = await request(t.http).post('/api/auth/login').send({ email, password }).expect(200);
      expect(res.body.user.emailVerified).toBe(true);
    }
    expect((await request(t.http).post('/api/auth/login').send({ email: people.admin.email, password: 'x' })).status).toBe(401);
  });
});
