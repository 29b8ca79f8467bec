import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { SqliteReadStore } from '../../src/infrastructure/readStore/sqliteReadStore.js';
import { SqliteLeases } from '../../src/infrastructure/leases/sqliteLeases.js';
import { ProjectionRunner } from '../../src/application/eventSourcing/projectionRunner.js';
import { ReactorRunner } from '../../src/application/eventSourcing/reactorRunner.js';
import { GenerationRouting } from '../../src/application/eventSourcing/generations.js';
import type { Projection } from '../../src/application/eventSourcing/projection.js';
import type { Reactor } from '../../src/application/eventSourcing/reactor.js';
import { FakeClock } from '../support/fakeClock.js';
import { eventually } from '../support/polling.js';

/*
 * Two instances in one test: two connections to one SQLite file, each with its runners, sharing leases.
 * The TTL is long: the first to start owns everything for the whole test.
 */
const silent = { error: () => {} };
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const counted: Projection = {
  name: 'counts',
  collections: [{ name: 'counts' }],
  handles: ['Ticked'],
  apply: async (event, read) => {
    const current = await read.get<{ id: string; n: number }>('counts', 'all');
    return [{ collection: 'counts', id: 'all', set: { n: (current?.n ?? 0) + 1 } }];
  },
};

function instances() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-owners-'));
  dirs.push(dir);
  const file = join(dir, 'hv.sqlite');
  const clock = new FakeClock();
  const effects: Array<{ by: string; eventId: string }> = [];
  const make = (owner: string) => {
    const db = openDatabase(file, 'normal');
    const events = new SqliteEventStore(db);
    const reads = new GenerationRouting(new SqliteReadStore(db));
    const ownership = { leases: new SqliteLeases(db, clock), owner, ttlMs: 600_000 };
    const mail: Reactor = { name: 'mail', handles: ['Ticked'], react: async (event) => { effects.push({ by: owner, eventId: event.metadata.eventId }); } };
    const projections = new ProjectionRunner({ events, reads, clock, log: silent, ownership }, [counted]);
    const reactors = new ReactorRunner({ events, reads, clock, log: silent, ownership }, [mail]);
    return {
      events, reads, projections, reactors,
      start: async () => { await projections.start(); await reactors.start(); },
      stop: async () => { await reactors.stop(); await projections.stop(); db.close(); },
    };
  };
  return { a: make('a'), b: make('b'), effects };
}

let n = 0;
const tick = (events: SqliteEventStore) => {
  n += 1;
  return events.append(`clock-${n % 3}`, [{
    type: 'Ticked', data: {},
    metadata: { eventId: `tick-${n}`, actor: { userId: 'u', role: 'patient' }, correlationId: 'c', causationId: null, recordedAt: '2030-01-07T03:30:00.000Z', schemaVersion: 1 },
  }], 'any');
};

describe('projections and reactors across two instances', () => {
  it('runs each on one instance only; a query on the other still reads its own writes', async () => {
    const { a, b, effects } = instances();
    await a.start();
    await b.start();
    expect(a.projections.status()[0]).toMatchObject({ owned: true });
    expect(b.projections.status()[0]).toMatchObject({ owned: false });

    let last = 0;
    for (let i = 0; i < 20; i += 1) last = (await tick(b.events)).position;
    // Written through b, projected by a: b waits for a's checkpoint of the shared read model.
    expect(await b.projections.waitFor(last, 5_000)).toBe(true);
    expect(await b.reads.get('counts', 'all')).toMatchObject({ n: 20 });

    await eventually(() => expect(effects).toHaveLength(20));
    await a.stop();
    await b.stop();
    // Every effect once, all by the owner.
    expect(effects.map((e) => e.eventId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `tick-${n - 19 + i}`).sort());
    expect(new Set(effects.map((e) => e.by))).toEqual(new Set(['a']));
  });
});
