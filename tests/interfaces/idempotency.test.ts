import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteIdempotencyStore } from '../../src/infrastructure/idempotency/sqliteIdempotencyStore.js';
import { idempotency } from '../../src/interfaces/http/idempotency.js';
import { errorHandler } from '../../src/interfaces/http/problem.js';
import { FakeClock } from '../support/fakeClock.js';

let db: Database.Database;
let calls: number;
let release: (() => void) | null;

function app() {
  const a = express();
  a.use(express.json({ verify: (req, _res, buf) => { (req as express.Request).rawBody = buf; } }));
  a.use(idempotency(new SqliteIdempotencyStore(db), new FakeClock()));
  a.post('/orders', (req, res) => {
    calls += 1;
    res.status(201).json({ order: calls, amount: req.body.amount });
  });
  a.post('/api/auth/login', (_req, res) => {
    calls += 1;
    res.json({ token: `token-${calls}` });
  });
  a.post('/upload', (_req, res) => {
    calls += 1;
    res.status(201).json({ upload: calls });
  });
  a.post('/slow', async (_req, res) => {
    calls += 1;
    await new Promise<void>((resolve) => { release = resolve; });
    res.status(201).json({ ok: true });
  });
  a.post('/broken', () => {
    calls += 1;
    throw new Error('database on fire');
  });
  a.use(errorHandler);
  return a;
}

beforeEach(() => { db = openDatabase(':memory:'); calls = 0; release = null; });
afterEach(() => { db.close(); });

describe('Idempotency-Key on POSTs', () => {
  it('replays the first answer to a repeat with the same key and body, without running it again', async () => {
    const a = app();
    const first = await request(a).post('/orders').set('Idempotency-Key', 'k1').send({ amount: 5 });
    const second = await request(a).post('/orders').set('Idempotency-Key', 'k1').send({ amount: 5 });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(calls).toBe(1);
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const a = app();
    await request(a).post('/orders').set('Idempotency-Key', 'k1').send({ amount: 5 });
    const res = await request(a).post('/orders').set('Idempotency-Key', 'k1').send({ amount: 6 });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(calls).toBe(1);
  });

  it('treats requests without a key, or with different keys, as distinct', async () => {
    const a = app();
    await request(a).post('/orders').send({ amount: 5 });
    await request(a).post('/orders').send({ amount: 5 });
    await request(a).post('/orders').set('Idempotency-Key', 'k2').send({ amount: 5 });
    expect(calls).toBe(3);
  });

  it('answers 409 to a repeat that arrives while the first is still running', async () => {
    const a = app();
    const first = request(a).post('/slow').set('Idempotency-Key', 'k3').send({});
    const firstDone = first.then((r) => r);
    for (let i = 0; i < 50 && !release; i += 1) await new Promise((r) => setTimeout(r, 10));
    const second = await request(a).post('/slow').set('Idempotency-Key', 'k3').send({});
    expect(second.status).toBe(409);
    release?.();
    expect((await firstDone).status).toBe(201);
  });

  it('does not remember a failure on our side, so the client can retry', async () => {
    const a = app();
    expect((await request(a).post('/broken').set('Idempotency-Key', 'k4').send({})).status).toBe(500);
    expect((await request(a).post('/broken').set('Idempotency-Key', 'k4').send({})).status).toBe(500);
    expect(calls).toBe(2);
  });

  it('never stores sign-in answers (they carry tokens)', async () => {
    const a = app();
    const first = await request(a).post('/api/auth/login').set('Idempotency-Key', 'k5').send({ email: 'e' });
    const second = await request(a).post('/api/auth/login').set('Idempotency-Key', 'k5').send({ email: 'e' });
    expect(second.body.token).not.toBe(first.body.token);
    expect(db.prepare('SELECT count(*) AS n FROM idempotency_keys').get()).toEqual({ n: 0 });
  });

  it('leaves multipart uploads alone (their bodies are read by the route, not here)', async () => {
    const a = app();
    await request(a).post('/upload').set('Idempotency-Key', 'k6').attach('file', Buffer.from('one'), 'a.txt');
    const second = await request(a).post('/upload').set('Idempotency-Key', 'k6').attach('file', Buffer.from('two'), 'b.txt');
    expect(second.status).toBe(201);
    expect(calls).toBe(2);
  });

  it('rejects a malformed key', async () => {
    const res = await request(app()).post('/orders').set('Idempotency-Key', 'spaces are not ok').send({});
    expect(res.status).toBe(400);
    expect(calls).toBe(0);
  });
});
