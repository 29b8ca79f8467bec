import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io-client';
import { mongoSocketAdapter, type AdapterCollection } from '../../src/interfaces/realtime/mongoSocketAdapter.js';
import { next, request } from './consultationFixture.js';
import { connectAs, signallingInstance, silentLog, type Instance } from './stubbedSignalling.js';

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

describe('a join while another instance has died (rolling deploy)', () => {
  const collection = new AdapterCollectionStandIn();
  const instances: Instance[] = [];
  const sockets: Socket[] = [];
  const instance = () => signallingInstance((io) => {
    io.adapter(mongoSocketAdapter(collection as unknown as AdapterCollection, silentLog, { answersWithinMs: 200 }));
  });
  const as = (on: Instance, token: string) => connectAs(on, token, sockets);

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
