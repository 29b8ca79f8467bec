import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Socket } from 'socket.io-client';
import { useMongoSocketAdapter } from '../../src/interfaces/realtime/mongoSocketAdapter.js';
import { next, request } from './consultationFixture.js';
import { connectAs, signallingInstance, silentLog, type Instance } from './stubbedSignalling.js';

/**
 * Two Socket.io instances joined by the MongoDB adapter: a patient on one and a doctor on the other
 * still reach each other. Needs a MongoDB replica set (change streams), e.g. `docker compose up -d mongodb`
 * and MONGODB_URL='mongodb://127.0.0.1:27017/?replicaSet=rs0&directConnection=true'. The consultation
 * rules are stubbed: this is about the transport between instances.
 */
const url = process.env.MONGODB_URL;
const suite = url ? describe : describe.skip;
const title = url
  ? 'signalling across two API instances through the MongoDB adapter'
  : 'signalling across two API instances through the MongoDB adapter (skipped: set MONGODB_URL, a replica set, to run)';

suite(title, () => {
  const dbName = `hv_socketio_${randomUUID().replaceAll('-', '')}`;
  const instances: Instance[] = [];
  const sockets: Socket[] = [];
  const instance = () => signallingInstance((io, http) => useMongoSocketAdapter(io, http, url!, dbName, silentLog));
  const as = (on: Instance, token: string) => connectAs(on, token, sockets);

  beforeAll(async () => {
    instances.push(await instance(), await instance());
    // The adapters find each other through heartbeats (every 5 s by default).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const counts = await Promise.all(instances.map((i) => i.io.of('/').adapter.serverCount()));
      if (counts.every((n) => n >= 2)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the two instances did not see each other within 15 s');
  }, 30_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const i of instances) await i.io.close();
    const client = await MongoClient.connect(url!);
    try {
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  });

  it('peers on different instances see each other, exchange signals, and a second tab elsewhere replaces the first', async () => {
    const [a, b] = instances;
    const patient = await as(a, 'p1:patient');
    expect(await request(patient, 'join-room', { appointmentId: 'a1' })).toMatchObject({ ok: true, peers: [] });

    const peerJoined = next(patient, 'peer-joined');
    const doctor = await as(b, 'd1:doctor');
    expect(await request(doctor, 'join-room', { appointmentId: 'a1' })).toMatchObject({ ok: true, peers: [{ userId: 'p1', role: 'patient' }] });
    expect(await peerJoined).toEqual({ userId: 'd1', role: 'doctor' });

    const offer = next(patient, 'offer');
    doctor.emit('offer', { appointmentId: 'a1', sdp: { type: 'offer', sdp: 'v=0' } });
    expect(await offer).toMatchObject({ from: 'd1', sdp: { type: 'offer', sdp: 'v=0' } });

    const firstTabGone = next(patient, 'disconnect');
    const secondTab = await as(b, 'p1:patient');
    expect(await request(secondTab, 'join-room', { appointmentId: 'a1' })).toMatchObject({ ok: true, peers: [{ userId: 'd1' }] });
    expect(await firstTabGone).toBe('io server disconnect');
  }, 30_000);
});
