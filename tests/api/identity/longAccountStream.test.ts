import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loadStream } from '../../../src/application/eventSourcing/snapshots.js';
import { userDecider } from '../../../src/domain/identity/user.js';
import { bearer } from '../../support/booking.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { mailedCode } from './identityFlows.js';

const tag = randomUUID().slice(0, 8);
const name = `Ravi Menon ${tag}`;
const email = `ravi.${tag}@example.test`;
const CODE_REQUESTS = 150;

describe('an account whose stream has grown long (many code requests)', () => {
  let t: TestApp;
  let patient: GivenUser;
  let admin: GivenUser;
  const stream = () => `user-${patient.userId}`;

  /** How many events of the account's stream each read during `run` answered. */
  async function eventsRead(run: () => Promise<unknown>): Promise<number[]> {
    const reads: number[] = [];
    const events = t.services.events;
    const readStream = events.readStream.bind(events);
    events.readStream = async (streamId, options) => {
      const read = await readStream(streamId, options);
      if (streamId === stream()) reads.push(read.length);
      return read;
    };
    try {
      await run();
    } finally {
      events.readStream = readStream;
    }
    return reads;
  }

  /** The account's row in the snapshot table, as text (undefined: none). */
  function storedSnapshot(): string | undefined {
    const db = new Database(t.config.sqliteFile, { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM stream_snapshots WHERE stream_id = ?').get(stream());
      return row === undefined ? undefined : JSON.stringify(row);
    } finally {
      db.close();
    }
  }

  const login = (password: string) => request(t.http).post('/api/auth/login').send({ email, password });

  beforeAll(async () => {
    t = await startTestApp();
    patient = await givenUser(t, { role: 'patient', name, email });
    for (let n = 0; n < CODE_REQUESTS; n += 1) {
      t.clock.advanceMinutes(1);
      await request(t.http).post('/api/auth/forgot-password').send({ email }).expect(202);
    }
    admin = await givenUser(t, { role: 'admin' });
  });
  afterAll(async () => { await t.close(); });

  it('signs in reading only the stream\'s recent events, from a snapshot that holds no plaintext', async () => {
    expect((await t.services.events.readStream(stream())).length).toBeGreaterThan(CODE_REQUESTS);
    let token = '';
    const reads = await eventsRead(async () => { token = (await login(patient.password).expect(200)).body.token; });
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(userDecider.snapshot!.every);
    expect((await request(t.http).get('/api/auth/me').set({ authorization: `Bearer ${token}` }).expect(200)).body).toMatchObject({ name, email });
    const snapshot = storedSnapshot();
    expect(snapshot).toBeDefined();
    expect(snapshot!.toLowerCase()).not.toContain(name.toLowerCase());
    expect(snapshot!.toLowerCase()).not.toContain(email.toLowerCase());
  });

  it('takes the last code mailed for a new password, and signs in with it', async () => {
    const otp = await mailedCode(t, email);
    await request(t.http).post('/api/auth/reset-password').send({ email, otp, newPassword: 'a new long password' }).expect(200);
    await login(patient.password).expect(401);
    await login('a new long password').expect(200);
  });

  it('once erased, no longer signs in, and its snapshot no longer opens: the account reads as forgotten', async () => {
    await request(t.http).delete(`/api/admin/users/${patient.userId}/personal-data`).set(bearer(admin)).expect(200);
    await login('a new long password').expect(401);
    expect(storedSnapshot()).toBeDefined();
    const length = (await t.services.events.readStream(stream())).length;
    let state: unknown;
    const reads = await eventsRead(async () => { ({ state } = await loadStream(t.services.handlerDeps, stream(), userDecider, false)); });
    expect(reads).toEqual([length]);
    expect(state).toMatchObject({ status: 'registered', userId: patient.userId, name: 'Forgotten user', email: null, erasedAt: expect.any(String) });
  });
});
