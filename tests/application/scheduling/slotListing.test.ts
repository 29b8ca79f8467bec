import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { SqliteReadStore } from '../../../src/infrastructure/readStore/sqliteReadStore.js';
import { slotQueries } from '../../../src/application/scheduling/slotQueries.js';
import { SLOTS, type SlotBoardStatus } from '../../../src/application/scheduling/slotBoard.projection.js';
import { FakeClock } from '../../support/fakeClock.js';

/** A doctor's board with more slots in the range than one listing reads (1000). */
describe('listing a doctor\'s slots by status', () => {
  let db: Database.Database;
  let reads: SqliteReadStore;
  const clock = new FakeClock('2030-01-07T00:00:00.000Z');
  const slotAt = (minutes: number, status: SlotBoardStatus, holdExpiresAt: string | null = null) => {
    const start = new Date(Date.parse('2030-01-08T00:00:00.000Z') + minutes * 60_000).toISOString();
    const slotId = `d1:${start}`;
    return {
      collection: SLOTS, id: slotId,
      set: { slotId, doctorId: 'd1', start, end: start, feePaise: 50_000, status, appointmentId: status === 'available' ? null : 'a', holdExpiresAt },
    };
  };

  beforeEach(async () => {
    db = new Database(':memory:');
    reads = new SqliteReadStore(db);
    const booked = Array.from({ length: 1200 }, (_, i) => slotAt(i, 'booked'));
    await reads.apply([...booked, slotAt(1300, 'available'), slotAt(1301, 'held', '2030-01-06T23:00:00.000Z'), slotAt(1302, 'held', '2030-01-07T01:00:00.000Z')], 1);
  });
  afterEach(() => { db.close(); });

  const list = (status?: SlotBoardStatus) => slotQueries(reads, clock, 30).list('d1', { status, to: '2030-01-10T00:00:00.000Z' });

  it('finds the available slots after many booked ones (a lapsed hold counts as available)', async () => {
    const available = await list('available');
    expect(available.map((s) => s.start)).toEqual(['2030-01-08T21:40:00.000Z', '2030-01-08T21:41:00.000Z']);
    expect(available.every((s) => s.status === 'available')).toBe(true);
  });

  it('finds a live hold after many booked ones', async () => {
    expect((await list('held')).map((s) => s.start)).toEqual(['2030-01-08T21:42:00.000Z']);
  });

  it('still caps an unfiltered listing', async () => {
    expect(await list()).toHaveLength(1000);
  });
});
