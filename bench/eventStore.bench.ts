import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase, type SynchronousMode } from '../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../src/infrastructure/eventStore/sqliteEventStore.js';
import type { EventToAppend } from '../src/application/ports/eventStore.js';
import { median } from './stats.js';
import { bareAppender } from './bareAppend.js';

const APPENDS = 20_000;
const STREAMS = 2_000;

function event(i: number): EventToAppend {
  return {
    type: 'SlotHeld',
    data: { slotId: `s-${i % STREAMS}`, appointmentId: `a-${i}`, patientId: 'p-1', expiresAt: '2030-01-01T00:00:00.000Z' },
    metadata: {
      eventId: randomUUID(),
      actor: { userId: 'bench', role: 'system' },
      correlationId: 'bench',
      causationId: null,
      recordedAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

function withFile<T>(run: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hv-bench-'));
  try {
    return run(join(dir, 'bench.sqlite'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our port: optimistic concurrency with the exact expected revision, hash chain, JSON metadata. */
async function portRun(mode: SynchronousMode): Promise<{ appendsPerSec: number; readAllPerSec: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hv-bench-'));
  const db = openDatabase(join(dir, 'bench.sqlite'), mode);
  const store = new SqliteEventStore(db);
  const revisions = new Array<number>(STREAMS).fill(-1);
  const events = Array.from({ length: APPENDS }, (_, i) => event(i));
  const start = performance.now();
  for (let i = 0; i < APPENDS; i += 1) {
    const s = i % STREAMS;
    const expected = revisions[s] === -1 ? 'no_stream' : revisions[s];
    revisions[s] = (await store.append(`slot-${s}`, [events[i]], expected)).nextRevision;
  }
  const appendSecs = (performance.now() - start) / 1000;
  const readStart = performance.now();
  let read = 0;
  for (let after = 0; ;) {
    const page = await store.readAll({ fromPosition: after, maxCount: 1000 });
    if (page.length === 0) break;
    read += page.length;
    after = page[page.length - 1].position;
  }
  const readSecs = (performance.now() - readStart) / 1000;
  await store.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { appendsPerSec: APPENDS / appendSecs, readAllPerSec: read / readSecs };
}

/** The limit for the same workload (see bareAppend.ts). */
function bareRun(mode: SynchronousMode): number {
  return withFile((file) => {
    const bare = bareAppender(file, mode);
    const payloads = Array.from({ length: APPENDS }, (_, i) => JSON.stringify(event(i)));
    const start = performance.now();
    for (let i = 0; i < APPENDS; i += 1) bare.append(`slot-${i % STREAMS}`, payloads[i]);
    const secs = (performance.now() - start) / 1000;
    bare.close();
    return APPENDS / secs;
  });
}

export interface EventStoreFigures {
  appendsPerSec: number;
  limitAppendsPerSec: number;
  ratio: number;
  readAllPerSec: number;
}

export async function benchEventStore(mode: SynchronousMode, runs = 3): Promise<EventStoreFigures> {
  const ours: number[] = [];
  const limit: number[] = [];
  const reads: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    // Interleave so machine noise hits both sides alike.
    limit.push(bareRun(mode));
    const r = await portRun(mode);
    ours.push(r.appendsPerSec);
    reads.push(r.readAllPerSec);
  }
  const appendsPerSec = median(ours);
  const limitAppendsPerSec = median(limit);
  return {
    appendsPerSec: Math.round(appendsPerSec),
    limitAppendsPerSec: Math.round(limitAppendsPerSec),
    ratio: Number((appendsPerSec / limitAppendsPerSec).toFixed(3)),
    readAllPerSec: Math.round(median(reads)),
  };
}
