import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { SqliteReadStore } from '../../../src/infrastructure/readStore/sqliteReadStore.js';
import { doctorQueries } from '../../../src/application/scheduling/doctorQueries.js';
import { DOCTORS } from '../../../src/application/scheduling/doctorDirectory.projection.js';
import type { Document, Filter, FindOptions, ReadStore } from '../../../src/application/ports/readStore.js';

/** The doctor directory pages in the store: a page reads one page of doctors, not the whole directory. */
describe('listing the doctor directory', () => {
  let db: Database.Database;
  let reads: SqliteReadStore;
  const fetched: number[] = [];
  /** The store, counting the documents each find hands out. */
  const counted = (): Pick<ReadStore, 'get' | 'find' | 'count'> => ({
    get: (collection, id) => reads.get(collection, id),
    count: (collection, filter) => reads.count(collection, filter),
    find: async <T extends Document>(collection: string, filter?: Filter, options?: FindOptions) => {
      const docs = await reads.find<T>(collection, filter, options);
      fetched.push(docs.length);
      return docs;
    },
  });

  beforeEach(async () => {
    db = new Database(':memory:');
    reads = new SqliteReadStore(db);
    fetched.length = 0;
    const doctor = (i: number, specialization: string, listed = true) => ({
      collection: DOCTORS, id: `d${String(i).padStart(3, '0')}`,
      set: { name: `Dr ${String(i).padStart(3, '0')}`, specialization, specializationKey: specialization.toLowerCase(), feePaise: 50_000, timezone: 'UTC', listed },
    });
    await reads.apply([
      ...Array.from({ length: 250 }, (_, i) => doctor(i, i % 2 === 0 ? 'Cardiology' : 'Dermatology')),
      doctor(900, 'Cardiology', false),
    ], 1);
  });
  afterEach(() => { db.close(); });

  it('a page of 20 reads 20 doctors and still answers the total', async () => {
    const page = await doctorQueries(counted()).list({ page: 3, limit: 20 });
    expect({ first: page.items[0].name, size: page.items.length, total: page.total }).toEqual({ first: 'Dr 040', size: 20, total: 250 });
    expect(fetched).toEqual([20]);
  });

  it('filters by specialisation in the store, unlisted doctors left out', async () => {
    const page = await doctorQueries(counted()).list({ specialization: 'cardiology', page: 1, limit: 10 });
    expect({ names: page.items.slice(0, 2).map((d) => d.name), total: page.total }).toEqual({ names: ['Dr 000', 'Dr 002'], total: 125 });
    expect(fetched).toEqual([10]);
  });

  it('a name search reads one page of its matches, not the directory', async () => {
    const page = await doctorQueries(counted()).list({ q: 'dr 24', page: 2, limit: 5 });
    expect({ names: page.items.map((d) => d.name), total: page.total }).toEqual({ names: ['Dr 245', 'Dr 246', 'Dr 247', 'Dr 248', 'Dr 249'], total: 10 });
    expect(fetched).toEqual([5]);
  });
});
