import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import type { Actor } from '../../src/domain/shared/event.js';
import { createLogger } from '../../src/infrastructure/logger.js';
import { useMongoSocketAdapter } from '../../src/interfaces/realtime/mongoSocketAdapter.js';
import { registerSignalling } from '../../src/interfaces/realtime/signalling.js';
import { connected, next, request } from './consultationFixture.js';

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

interface Instance {
  io: Server;
  http: HttpServer;
  url: string;
}

suite(title, () => {
  const dbName = `hv_socketio_${randomUUID().replaceAll('-', '')}`;
  const instances: Instance[] = [];
  const sockets: Socket[] = [];
  const log = createLogger('silent');
  const deps = {
    consultations: {
      join: async (_id: string, ctx: { actor: Actor }) => ({ role: ctx.actor.role as 'patient' | 'doctor', position: 0 }),
      leave: async () => ({ position: 0 }),
      end: async () => ({ position: 0 }),
    },
    clock: { now: () => new Date() },
    log,
  };

  async function instance(): Promise<Instance> {
    const http = createServer();
    const io = new Server(http);
    // Stub handshake: the token is `userId:role`.
    io.use((socket, nextMiddleware) => {
      const [userId, role] = String((socket.handshake.auth as { token?: string }).token).split(':');
      socket.data.actor = { userId, role };
      nextMiddleware();
    });
    useMongoSocketAdapter(io, http, url!, dbName, log);
    registerSignalling(io, deps);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  }

  const as = async (on: Instance, token: string) => {
    const socket = connect(on.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    return connected(socket);
  };

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
