import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer } from '../../support/booking.js';
import { eventually } from '../../support/polling.js';

describe('rebuilding projections over HTTP', () => {
  let t: TestApp;
  let admin: GivenUser;
  let patient: GivenUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await givenUser(t, { role: 'admin' });
    patient = await givenUser(t, { role: 'patient' });
  });
  afterAll(async () => { await t.close(); });

  it('rebuilding users signs nobody out: tokens work during and after, and progress is reported', async () => {
    await request(t.http).post('/api/admin/projections/rebuild').set(bearer(admin)).send({ name: 'users' }).expect(202, { rebuilding: ['users'] });
    await request(t.http).get('/api/auth/me').set(bearer(patient)).expect(200);
    await eventually(async () => {
      const res = await request(t.http).get('/api/admin/projections').set(bearer(admin)).expect(200);
      expect(res.body.rebuilds).toEqual(expect.arrayContaining([expect.objectContaining({ projection: 'users', state: 'swapped', generation: 1 })]));
    });
    const me = await request(t.http).get('/api/auth/me').set(bearer(patient)).expect(200);
    expect(me.body).toMatchObject({ email: patient.email });
    const listed = await request(t.http).get('/api/admin/projections').set(bearer(admin)).expect(200);
    expect(listed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'users', generation: 1, owned: true })]));
    expect(typeof listed.body.lag.users).toBe('number');
    expect(typeof listed.body.lagSeconds.users).toBe('number');
  });

  it('readiness reports lag in events and seconds', async () => {
    const ready = await request(t.http).get('/readyz').expect(200);
    expect(ready.body.lag.users).toBe(0);
    expect(ready.body.lagSeconds.users).toBe(0);
    const metrics = await request(t.http).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/projection_lag_seconds\{projection="users"\} 0/);
  });

  it('an unknown projection is a 404, and a patient may not rebuild', async () => {
    await request(t.http).post('/api/admin/projections/rebuild').set(bearer(admin)).send({ name: 'nope' }).expect(404);
    await request(t.http).post('/api/admin/projections/rebuild').set(bearer(patient)).send({ name: 'users' }).expect(403);
  });
});
