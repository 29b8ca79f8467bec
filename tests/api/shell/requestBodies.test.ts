import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer } from '../../support/booking.js';

/** What a client hears when its body is of the wrong kind or too big: the types it may send, or the limit. */
let t: TestApp;
let patient: GivenUser;
beforeAll(async () => {
  t = await startTestApp();
  patient = await givenUser(t, { role: 'patient' });
});
afterAll(async () => { await t.close(); });

const problem = (res: request.Response) => ({ status: res.status, type: res.headers['content-type'], code: res.body.code, detail: res.body.detail });
const loginFields = 'email=a%40example.test&password=long+enough+pw';

describe('a body that is not of the type a route reads', () => {
  it.each([
    ['a form-encoded body', 'application/x-www-form-urlencoded', loginFields],
    ['plain text', 'text/plain', '{"email":"a@example.test","password":"long enough pw"}'],
  ])('%s sent to a JSON route is 415 naming application/json', async (_, contentType, body) => {
    const res = await request(t.http).post('/api/auth/login').set('Content-Type', contentType).send(body);
    expect(problem(res)).toEqual({
      status: 415, type: expect.stringMatching(/^application\/problem\+json/), code: 'unsupported_media_type', detail: expect.stringContaining('application/json'),
    });
  });

  it('a body sent with a GET is ignored: a read answers as without one, whatever the bytes', async () => {
    for (const [contentType, body] of [['application/json', '{not json'], ['application/json; charset=koi8-r', '{}'], ['text/plain', 'x']]) {
      const res = await request(t.http).get('/api/auth/me').set(bearer(patient)).set('Content-Type', contentType).send(body);
      expect({ status: res.status, email: res.body.email }).toEqual({ status: 200, email: patient.email });
    }
  });

  it('a body without any Content-Type is 415 too', async () => {
    const res = await request(t.http).post('/api/auth/login').unset('Content-Type').send(Buffer.from('{"email":"a@example.test"}'));
    expect(problem(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('sign-up names both the types it takes', async () => {
    const res = await request(t.http).post('/api/auth/signup').set('Content-Type', 'text/plain').send('name=x');
    expect(problem(res)).toMatchObject({ status: 415, detail: expect.stringMatching(/application\/json.*multipart\/form-data/) });
  });

  it('a report sent as JSON is 415 naming multipart/form-data', async () => {
    const res = await request(t.http).post('/api/reports').set(bearer(patient)).send({ title: 'no file' });
    expect(problem(res)).toMatchObject({ status: 415, detail: expect.stringContaining('multipart/form-data') });
  });

  it('an avatar sent as JSON is 415 naming multipart/form-data', async () => {
    const res = await request(t.http).put('/api/users/me/avatar').set(bearer(patient)).send({ avatar: 'x' });
    expect(problem(res)).toMatchObject({ status: 415, detail: expect.stringContaining('multipart/form-data') });
  });

  it('a call without a body where none is needed still works', async () => {
    await request(t.http).post('/api/admin/projections/rebuild').set(bearer(patient)).expect(403);
    const res = await request(t.http).post('/api/appointments/nope/cancel').set(bearer(patient));
    expect(res.status).toBe(404);
  });
});

describe('a body over the limit', () => {
  it('a JSON body over 100 KiB is 413 saying the limit', async () => {
    const res = await request(t.http).post('/api/auth/login').set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'x'.repeat(150_000) }));
    expect(problem(res)).toMatchObject({ status: 413, code: 'payload_too_large', detail: expect.stringContaining('100 KiB') });
  });

  it('an avatar over 2 MiB is 413 saying the limit', async () => {
    const res = await request(t.http).put('/api/users/me/avatar').set(bearer(patient)).attach('avatar', Buffer.alloc(2 * 1024 * 1024 + 1), 'big.png');
    expect(problem(res)).toMatchObject({ status: 413, code: 'payload_too_large', detail: expect.stringContaining('2 MiB') });
  });

  it('a report over 10 MiB is 413 saying the limit', async () => {
    const res = await request(t.http).post('/api/reports').set(bearer(patient)).attach('file', Buffer.alloc(10 * 1024 * 1024 + 1), 'big.pdf');
    expect(problem(res)).toMatchObject({ status: 413, code: 'payload_too_large', detail: expect.stringContaining('10 MiB') });
  });
});
