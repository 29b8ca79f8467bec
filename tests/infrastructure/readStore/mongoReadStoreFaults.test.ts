import { describe, expect, it } from '@jest/globals';
import { MongoBulkWriteError, MongoServerError, type BulkWriteResult, type Db, type WriteConcernError } from 'mongodb';
import { MongoReadStore } from '../../../src/infrastructure/readStore/mongoReadStore.js';
import type { Write } from '../../../src/application/ports/readStore.js';

/**
 * Faults a replica set produces, injected at the adapter's boundary (the collections it calls):
 * a write concern not satisfied (the primary applied the writes, a majority did not confirm them
 * before it stepped down) and a step-down in the middle of a multi-document delete.
 */
type Call = () => unknown;
interface FakeCollection {
  bulkWrite(): Promise<unknown>;
  findOne(): Promise<unknown>;
  deleteMany(): Promise<unknown>;
  deleteOne(): Promise<unknown>;
  updateOne(): Promise<unknown>;
}

function fakeDb(faults: { bulkWrite?: Call; deleteMany?: Call[] }, existing: Record<string, number> = {}) {
  const calls: string[] = [];
  const collection = (name: string): FakeCollection => ({
    bulkWrite: async () => { calls.push(`${name}.bulkWrite`); if (faults.bulkWrite) throw faults.bulkWrite(); return {}; },
    findOne: async (...args: unknown[]) => {
      const id = (args[0] as { _id: string })._id;
      return id in existing ? { _id: id, _position: existing[id] } : null;
    },
    deleteMany: async () => {
      calls.push(`${name}.deleteMany`);
      const fault = faults.deleteMany?.shift();
      if (fault) throw fault();
      return { deletedCount: 0 };
    },
    deleteOne: async () => { calls.push(`${name}.deleteOne`); return { deletedCount: 1 }; },
    updateOne: async () => { calls.push(`${name}.updateOne`); return { matchedCount: 1 }; },
  });
  return { db: { collection } as unknown as Db, calls };
}

/** What the driver reports as a write concern error (its class is not exported; the shape is what the adapter reads). */
const writeConcernTimeout = { code: 64, message: 'waiting for replication timed out' } as unknown as WriteConcernError;
const result = (writeConcern?: WriteConcernError) => ({ getWriteConcernError: () => writeConcern }) as unknown as BulkWriteResult;
/** The upsert of a document that a newer event already wrote collides with it: that write is done. */
const staleUpsert = { code: 11000, index: 0, errmsg: 'E11000 duplicate key error' };

const writes: Write[] = [{ collection: 'slots', id: 's1', set: { status: 'booked' } }];
const noWait = async () => {};

describe('the MongoDB read store under replica-set faults', () => {
  it('fails an event whose writes a majority did not acknowledge, so the projection does not move past it', async () => {
    const { db } = fakeDb({ bulkWrite: () => new MongoBulkWriteError(writeConcernTimeout as never, result(writeConcernTimeout)) });
    await expect(new MongoReadStore(db).apply(writes, 7)).rejects.toThrow(/replication timed out/);
  });

  it('fails it too when the same batch also had an already-applied upsert (write errors and a write concern error together)', async () => {
    const { db } = fakeDb(
      { bulkWrite: () => new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: [staleUpsert] } as never, result(writeConcernTimeout)) },
      { s1: 9 },
    );
    await expect(new MongoReadStore(db).apply(writes, 7)).rejects.toBeInstanceOf(MongoBulkWriteError);
  });

  it('still treats an upsert that collides with a newer document as already applied', async () => {
    const { db } = fakeDb(
      { bulkWrite: () => new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: [staleUpsert] } as never, result()) },
      { s1: 9 },
    );
    await expect(new MongoReadStore(db).apply(writes, 7)).resolves.toBeUndefined();
  });

  it('retries a drop interrupted by a step-down, and completes it', async () => {
    const steppedDown = () => new MongoServerError({ message: 'not primary', code: 10107, errorLabels: ['RetryableWriteError'] });
    const { db, calls } = fakeDb({ deleteMany: [steppedDown, steppedDown] });
    await new MongoReadStore(db, undefined, noWait).drop(['slots'], 'slot-board');
    expect(calls).toEqual(['rm_slots.deleteMany', 'rm_slots.deleteMany', 'rm_slots.deleteMany', 'projection_checkpoints.deleteOne']);
  });

  it('does not retry a drop the server refused for another reason, nor forever', async () => {
    const refused = () => new MongoServerError({ message: 'not authorized', code: 13 });
    const unauthorised = fakeDb({ deleteMany: [refused] });
    await expect(new MongoReadStore(unauthorised.db, undefined, noWait).drop(['slots'], 'slot-board')).rejects.toThrow(/not authorized/);
    expect(unauthorised.calls).toEqual(['rm_slots.deleteMany']);

    const steppedDown = () => new MongoServerError({ message: 'not primary', code: 10107, errorLabels: ['RetryableWriteError'] });
    const neverElected = fakeDb({ deleteMany: Array.from({ length: 10 }, () => steppedDown) });
    await expect(new MongoReadStore(neverElected.db, undefined, noWait).drop(['slots'], 'slot-board')).rejects.toThrow(/not primary/);
    expect(neverElected.calls.filter((c) => c === 'rm_slots.deleteMany')).toHaveLength(3);
  });
});
