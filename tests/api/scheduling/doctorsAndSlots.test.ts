import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';

// The test clock starts on Monday 2030-01-07 09:00 in Kolkata (03:30 UTC).
const week = { timezone: 'Asia/Kolkata', slotMinutes: 30, days: 7, weekly: [{ day: 'tue', start: '09:00', end: '11:00' }, { day: 'thu', start: '14:00', end: '15:00' }] };

describe('doctors and slots', () => {
  let t: TestApp;
  let doctor: GivenUser;
  let other: GivenUser;
  let patient: GivenUser;

  beforeAll(async () => {
    t = await startTestApp();
    doctor = await givenUser(t, { role: 'doctor', name: 'Asha Rao', doctor: { specialization: 'Cardiology', feePaise: 80_000 } });
    other = await givenUser(t, { role: 'doctor', name: 'Vikram Shah', doctor: { specialization: 'Dermatology' } });
    patient = await givenUser(t, { role: 'patient' });
  });
  afterAll(async () => { await t.close(); });

  const auth = (u: GivenUser) => ({ Authorization: `Bearer ${u.token}` });

  it('lists verified doctors, filtered by specialization and by name, with paging', async () => {
    await t.services.projections.waitFor(await t.services.events.headPosition());
    const all = await request(t.http).get('/api/doctors').expect(200);
    expect(all.body).toMatchObject({ page: 1, total: 2 });
    expect(all.body.items.map((d: { name: string }) => d.name)).toEqual(['Asha Rao', 'Vikram Shah']);
    const cardio = await request(t.http).get('/api/doctors?specialization=cardiology').expect(200);
    expect(cardio.body.items).toEqual([expect.objectContaining({ doctorId: doctor.userId, specialization: 'Cardiology', feePaise: 80_000, timezone: 'Asia/Kolkata' })]);
    const byName = await request(t.http).get('/api/doctors?q=vik').expect(200);
    expect(byName.body.items.map((d: { doctorId: string }) => d.doctorId)).toEqual([other.userId]);
    const page2 = await request(t.http).get('/api/doctors?limit=1&page=2').expect(200);
    expect(page2.body).toMatchObject({ page: 2, total: 2, items: [expect.objectContaining({ name: 'Vikram Shah' })] });
    await request(t.http).get('/api/doctors?limit=0').expect(400);
    await request(t.http).get('/api/doctors?sort=name').expect(400);
  });

  it('answers one doctor, or 404', async () => {
    const res = await request(t.http).get(`/api/doctors/${doctor.userId}`).expect(200);
    expect(res.body).toMatchObject({ doctorId: doctor.userId, name: 'Asha Rao' });
    await request(t.http).get(`/api/doctors/${patient.userId}`).expect(404);
  });

  it('publishes a weekly template once: republishing adds no slots', async () => {
    const first = await request(t.http).put('/api/doctors/me/availability').set(auth(doctor)).send(week).expect(200);
    expect(first.body).toEqual({ published: 6 });
    const again = await request(t.http).put('/api/doctors/me/availability').set(auth(doctor)).send(week).expect(200);
    expect(again.body).toEqual({ published: 0 });
    const slots = await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200);
    expect(slots.body.items).toHaveLength(6);
    expect(slots.body.items[0]).toEqual({
      slotId: `${doctor.userId}:2030-01-08T03:30:00.000Z`, doctorId: doctor.userId,
      start: '2030-01-08T03:30:00.000Z', end: '2030-01-08T04:00:00.000Z', feePaise: 80_000, status: 'available',
    });
    expect(slots.body.items.map((s: { start: string }) => s.start).slice(4)).toEqual(['2030-01-10T08:30:00.000Z', '2030-01-10T09:00:00.000Z']);
  });

  it('a template with another slot length adds only slots that overlap none already published', async () => {
    const twenty = { timezone: 'Asia/Kolkata', slotMinutes: 20, days: 7, weekly: [{ day: 'tue', start: '09:00', end: '12:00' }] };
    const res = await request(t.http).put('/api/doctors/me/availability').set(auth(doctor)).send(twenty).expect(200);
    // 09:00–11:00 is taken by 30-minute slots; 11:00, 11:20 and 11:40 are new.
    expect(res.body).toEqual({ published: 3 });
    const tuesday = (await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).query({ to: '2030-01-09T00:00:00Z' }).expect(200)).body.items;
    expect(tuesday.map((s: { start: string; end: string }) => `${s.start.slice(11, 16)}-${s.end.slice(11, 16)}`)).toEqual([
      '03:30-04:00', '04:00-04:30', '04:30-05:00', '05:00-05:30', '05:30-05:50', '05:50-06:10', '06:10-06:30',
    ]);
  });

  it('refuses overlapping or empty ranges, and non-doctors', async () => {
    const overlap = { ...week, weekly: [{ day: 'mon', start: '09:00', end: '11:00' }, { day: 'mon', start: '10:00', end: '12:00' }] };
    const res = await request(t.http).put('/api/doctors/me/availability').set(auth(doctor)).send(overlap).expect(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    await request(t.http).put('/api/doctors/me/availability').set(auth(doctor))
      .send({ ...week, weekly: [{ day: 'mon', start: '09:00', end: '09:00' }] }).expect(400);
    await request(t.http).put('/api/doctors/me/availability').set(auth(doctor)).send({ ...week, timezone: 'Nowhere/Land' }).expect(400);
    await request(t.http).put('/api/doctors/me/availability').set(auth(patient)).send(week).expect(403);
    await request(t.http).put('/api/doctors/me/availability').send(week).expect(401);
  });

  it('filters slots by time range and status', async () => {
    const from = '2030-01-10T00:00:00+05:30';
    const res = await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).query({ from, status: 'available' }).expect(200);
    expect(res.body.items.map((s: { start: string }) => s.start)).toEqual(['2030-01-10T08:30:00.000Z', '2030-01-10T09:00:00.000Z']);
    const held = await request(t.http).get(`/api/doctors/${doctor.userId}/slots?status=held`).expect(200);
    expect(held.body.items).toEqual([]);
    await request(t.http).get(`/api/doctors/${doctor.userId}/slots?from=yesterday`).expect(400);
  });

  it('withdraws a free slot; a held one answers 409; another doctor\'s slot is 404', async () => {
    const free = `${doctor.userId}:2030-01-10T09:00:00.000Z`;
    await request(t.http).delete(`/api/doctors/me/slots/${encodeURIComponent(free)}`).set(auth(other)).expect(404);
    await request(t.http).delete(`/api/doctors/me/slots/${encodeURIComponent(free)}`).set(auth(doctor)).expect(204);
    const slots = await request(t.http).get(`/api/doctors/${doctor.userId}/slots`).expect(200);
    expect(slots.body.items.map((s: { slotId: string }) => s.slotId)).not.toContain(free);

    const taken = `${doctor.userId}:2030-01-10T08:30:00.000Z`;
    await request(t.http).post('/api/appointments').set(auth(patient)).send({ slotId: taken }).expect(201);
    const res = await request(t.http).delete(`/api/doctors/me/slots/${encodeURIComponent(taken)}`).set(auth(doctor)).expect(409);
    expect(res.body.code).toBe('slot_in_use');
  });
});

describe('searching doctors by name', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    for (const name of ['Meera Joshi', 'Anil Meera', 'meera nair', 'Ravi 100% Kumar', 'Ravi_K', 'Ravindra Sen']) {
      await givenUser(t, { role: 'doctor', name });
    }
    await t.services.projections.waitFor(await t.services.events.headPosition());
  });
  afterAll(async () => { await t.close(); });

  const names = (body: { items: Array<{ name: string }> }) => body.items.map((d) => d.name);

  it('pages through the doctors whose name holds the text, in any letter case', async () => {
    const first = await request(t.http).get('/api/doctors').query({ q: 'MEERA', limit: 2 }).expect(200);
    expect({ names: names(first.body), page: first.body.page, total: first.body.total }).toEqual({ names: ['Anil Meera', 'Meera Joshi'], page: 1, total: 3 });
    const second = await request(t.http).get('/api/doctors').query({ q: 'MEERA', limit: 2, page: 2 }).expect(200);
    expect({ names: names(second.body), page: second.body.page, total: second.body.total }).toEqual({ names: ['meera nair'], page: 2, total: 3 });
  });

  it.each([
    ['%', ['Ravi 100% Kumar']],
    ['i_', ['Ravi_K']],
    ['.*', []],
  ])('finds %j only in names that hold it', async (q, expected) => {
    const res = await request(t.http).get('/api/doctors').query({ q }).expect(200);
    expect({ names: names(res.body), total: res.body.total }).toEqual({ names: expected, total: expected.length });
  });
});
