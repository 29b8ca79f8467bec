import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { givenUser } from '../../support/identity.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { mailedCode } from './identityFlows.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\u0000'), Buffer.alloc(64)]);
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

describe('avatars', () => {
  it('a multipart sign-up stores the avatar, and it is served from /files with safe headers', async () => {
    const email = 'pic@example.com';
    const res = await request(t.http).post('/api/auth/signup')
      .field('name', 'Pic Person').field('email', email).field('password', 'long enough pw').field('role', 'patient')
      .attach('avatar', png, { filename: 'me.png', contentType: 'image/png' })
      .expect(201);
    const verified = await request(t.http).post('/api/auth/verify-otp').send({ email, otp: await mailedCode(t, email) }).expect(200);
    const url = verified.body.user.avatarUrl as string;
    expect(url).toMatch(/^\/files\/avatars\/[0-9a-f-]+\.png$/);
    expect(res.body.userId).toBe(verified.body.user.id);

    const file = await request(t.http).get(url).expect(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['content-security-policy']).toContain("default-src 'none'");
    expect(Buffer.compare(file.body as Buffer, png)).toBe(0);
  });

  it('a multipart doctor sign-up takes the numbers as text', async () => {
    await request(t.http).post('/api/auth/signup')
      .field('name', 'Dr Pic').field('email', 'drpic@example.com').field('password', 'long enough pw').field('role', 'doctor')
      .field('specialization', 'ENT').field('feePaise', '45000').field('experienceYears', '3')
      .attach('avatar', jpeg, { filename: 'me.jpg', contentType: 'image/jpeg' })
      .expect(201);
  });

  it('an SVG dressed up as a PNG is refused by content with 415, and no account is made', async () => {
    const res = await request(t.http).post('/api/auth/signup')
      .field('name', 'Sneaky').field('email', 'sneaky@example.com').field('password', 'long enough pw').field('role', 'patient')
      .attach('avatar', svg, { filename: 'me.png', contentType: 'image/png' })
      .expect(415);
    expect(res.body.code).toBe('unsupported_avatar_type');
    await request(t.http).post('/api/auth/signup').send({ name: 'Sneaky', email: 'sneaky@example.com', password: 'long enough pw', role: 'patient' }).expect(201);
  });

  it('an avatar over 2 MB is refused with 413', async () => {
    const big = Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024)]);
    await request(t.http).post('/api/auth/signup')
      .field('name', 'Big').field('email', 'big@example.com').field('password', 'long enough pw').field('role', 'patient')
      .attach('avatar', big, { filename: 'me.png', contentType: 'image/png' })
      .expect(413);
  });

  it('PUT /api/users/me/avatar replaces the picture', async () => {
    const user = await givenUser(t, { role: 'patient' });
    const res = await request(t.http).put('/api/users/me/avatar').set('Authorization', `Bearer ${user.token}`)
      .attach('avatar', jpeg, { filename: 'x.bin', contentType: 'application/octet-stream' }).expect(200);
    expect(res.body.avatarUrl).toMatch(/^\/files\/avatars\/.+\.jpg$/);
    const me = await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${user.token}`).expect(200);
    expect(me.body.avatarUrl).toBe(res.body.avatarUrl);
  });

  it.each<[string, (r: request.Test, token: string) => request.Test, number]>([
    ['no file', (r, token) => r.set('Authorization', `Bearer ${token}`).field('other', 'x'), 400],
    ['a file under another field name', (r, token) => r.set('Authorization', `Bearer ${token}`).attach('picture', png, 'p.png'), 400],
    ['not an image', (r, token) => r.set('Authorization', `Bearer ${token}`).attach('avatar', Buffer.from('%PDF-1.4 hello'), 'a.png'), 415],
    ['no token', (r) => r.attach('avatar', png, 'p.png'), 401],
  ])('PUT /api/users/me/avatar with %s → %s', async (_, build, status) => {
    const user = await givenUser(t, { role: 'patient' });
    await build(request(t.http).put('/api/users/me/avatar'), user.token).expect(status);
  });

  it('no path traversal out of the avatar folder', async () => {
    await request(t.http).get('/files/avatars/..%2F..%2Fhealthvision.sqlite').expect(404);
    await request(t.http).get('/files/avatars/../healthvision.sqlite').expect(404);
  });
});
