import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer } from '../../support/booking.js';

/** `?after=` of the audit feed takes only positions the store produced (what `next` hands out). */
describe('audit feed cursor', () => {
  let t: TestApp;
  let auditor: GivenUser;

  beforeAll(async () => {
    t = await startTestApp();
    auditor = await givenUser(t, { role: 'auditor' });
  });
  afterAll(async () => { await t.close(); });

  const feed = (query: Record<string, string | number>) => request(t.http).get('/api/audit/events').query(query).set(bearer(auditor));

  it('pages with the `next` it answered, up to the head', async () => {
    const first = await feed({ limit: 1 }).expect(200);
    expect(first.body.items).toHaveLength(1);
    const second = await feed({ after: first.body.next as number, limit: 1 }).expect(200);
    expect(second.body.items[0].position).toBeGreaterThan(first.body.items[0].position as number);
    await feed({ after: await t.services.events.headPosition() }).expect(200);
  });

  it('answers a position the store never produced with a 400 problem, not a 500', async () => {
    const beyond = (await t.services.events.headPosition()) + 1_000;
    const res = await feed({ after: beyond }).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'invalid_position' });
  });
});
