import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import type { Actor } from '../../src/domain/shared/event.js';
import { createLogger } from '../../src/infrastructure/logger.js';
import { mongoSocketAdapter, type AdapterCollection } from '../../src/interfaces/realtime/mongoSocketAdapter.js';
import { registerSignalling } from '../../src/interfaces/realtime/signalling.js';
import { connected, next, request } from './consultationFixture.js';

/**
 * The MongoDB adapter's collection, in memory: every insert reaches the change streams of the other
 * instances (a stream filters out its own instance's documents, as the adapter's pipeline asks),
 * copied as a round trip through the server would copy it.
 */
class ChangeStreamStandIn extends EventEmitter {
  closed = false;
  resumeToken = undefined;
  constructor(readonly ownUid: string) { super(); }
  async close(): Promise<void> { this.closed = true; }
}

class AdapterCollectionStandIn {
  private readonly streams = new Set<ChangeStreamStandIn>();
  private inserted = 0;

  watch(pipeline: Array<{ $match: Record<string, { $ne: string }> }>): ChangeStreamStandIn {
    const stream = new ChangeStreamStandIn(pipeline[0].$match['fullDocument.uid'].$ne);
    this.streams.add(stream);
    return stream;
  }

  async insertOne(document: { uid?: string }): Promise<{ insertedId: { toString(): string } }> {
    const id = String((this.inserted += 1));
    for (const stream of this.streams) {
      if (stream.closed || stream.ownUid === document.uid) continue;
      const copy = structuredClone(document);
      setImmediate(() => { if (!stream.closed) stream.emit('change', { operationType: 'insert', fullDocument: copy }); });
    }
    return { insertedId: { toString: () => id } };
  }
}

const HEARTBEAT = 2;

interface Instance { io: Server; http: HttpServer; url: string }

describe('a join while another instance has died (rolling deploy)', () => {
  const collection = new AdapterCollectionStandIn();
  const log = createLogger('silent');
  const instances: Instance[] = [];
  const sockets: Socket[] = [];
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
    io.use((socket, nextMiddleware) => {
      const [userId, role] = String((socket.handshake.auth as { token?: string }).token).split(':');
      socket.data.actor = { userId, role };
      nextMiddleware();
    });
    io.adapter(mongoSocketAdapter(collection as unknown as AdapterCollection, log, { answersWithinMs: 200 }));
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
    // An instance that sent its heartbeat and then died: the live ones still count it as a server.
    await collection.insertOne({ type: HEARTBEAT, uid: 'killed-by-the-deploy', nsp: '/' } as { uid: string });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const counts = await Promise.all(instances.map((i) => i.io.of('/').adapter.serverCount()));
      if (counts.every((n) => n === 3)) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('the instances did not see each other and the dead one');
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const i of instances) await i.io.close();
  });

  it('answers with the peers on live instances instead of failing on the dead one', async () => {
    const [a, b] = instances;
    const patient = await as(a, 'p1:patient');
    expect(await request(patient, 'join-room', { appointmentId: 'a1' })).toMatchObject({ ok: true, peers: [] });

    const peerJoined = next(patient, 'peer-joined');
    const doctor = await as(b, 'd1:doctor');
    expect(await request(doctor, 'join-room', { appointmentId: 'a1' })).toMatchObject({ ok: true, peers: [{ userId: 'p1', role: 'patient' }] });
    expect(await peerJoined).toEqual({ userId: 'd1', role: 'doctor' });
  }, 20_000);
});
