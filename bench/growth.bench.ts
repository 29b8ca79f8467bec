import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../src/infrastructure/eventStore/sqliteEventStore.js';
import { hashEvent } from '../src/application/eventSourcing/eventChain.js';
import { schemaVersionOf } from '../src/application/eventSourcing/schemaVersions.js';
import type { EventToAppend, StreamAppend } from '../src/application/ports/eventStore.js';
import { median, percentile } from './stats.js';

/**
 * Growth: the same figures at growing history sizes, the history generated through the event store
 * port (bookings as the service writes them: slot published and held, hold claimed, appointment
 * requested). Sizes and the time budget are bench settings: HV_BENCH_GROWTH_SIZES (comma-separated
 * event counts, default 10000,100000,1000000) and HV_BENCH_GROWTH_BUDGET_S (default 300); a size whose
 * estimated cost does not fit in what is left of the budget is skipped, with the reason.
 */
const SIZES = (process.env.HV_BENCH_GROWTH_SIZES ?? '10000,100000,1000000').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const BUDGET_S = Number(process.env.HV_BENCH_GROWTH_BUDGET_S ?? 300);
const EVENTS_PER_BOOKING = 4;
const BOOKINGS_PER_TURN = 500;
const PROBES = 300;
const DOCTORS = Array.from({ length: 20 }, () => randomUUID());
/** Far ahead, so a service reading this history schedules hold expiries that never fire during the bench. */
const FUTURE = Date.parse('2100-01-01T00:00:00.000Z');

export interface GrowthPoint {
  events: number;
  skipped?: string;
  generatedPerSec?: number;
  dbMegabytes?: number;
  /** One append at a time, each waiting for its durable (FULL) commit. */
  appendP50Ms?: number;
  appendP99Ms?: number;
  readStreamP50Ms?: number;
  /** A page of 500 events from a random position in the log. */
  readAllPageP50Ms?: number;
  /** Every stream's hash chain checked in one pass over the log. */
  verifyEventsPerSec?: number;
  /** The service process started on this history, caught up once before (see growthTarget.ts). */
  startUpMs?: number;
  /** Events the restarted service's projections were behind at start: 0 means no replay. */
  behindAtStart?: number;
  /** Every projection rebuilt aside (the runner's rebuild), all at once. */
  rebuildMs?: number;
  rebuildEventsPerSec?: number;
  /** The first start on the newly generated part of the history (its projections catch up while starting). */
  firstStartMs?: number;
  /** After that first start, until projections and reactors reached the head. */
  catchUpMs?: number;
}

function envelope(type: string, data: unknown, correlationId: string): EventToAppend {
  return {
    type, data,
    metadata: {
      eventId: randomUUID(), actor: { userId: 'growth-bench', role: 'system' }, correlationId, causationId: null,
      recordedAt: new Date().toISOString(), schemaVersion: schemaVersionOf(type),
    },
  };
}

/** One booking's appends: a slot published and held, the patient's claim, the appointment requested. */
function booking(index: number): StreamAppend[] {
  const slotId = randomUUID();
  const appointmentId = randomUUID();
  const patientId = `growth-patient-${Math.floor(index / 3)}`;
  const doctorId = DOCTORS[index % DOCTORS.length];
  const start = new Date(FUTURE + index * 300_000).toISOString();
  const end = new Date(FUTURE + index * 300_000 + 300_000).toISOString();
  const expiresAt = new Date(FUTURE).toISOString();
  const c = `growth-${index}`;
  return [
    { streamId: `slot-${slotId}`, expected: 'no_stream', events: [
      envelope('SlotPublished', { slotId, doctorId, start, end, feePaise: 50_000 }, c),
      envelope('SlotHeld', { slotId, doctorId, appointmentId, patientId, expiresAt }, c),
    ] },
    { streamId: `patient-holds-${patientId}`, expected: index % 3 === 0 ? 'no_stream' : (index % 3) - 1, events: [
      envelope('HoldClaimed', { patientId, appointmentId, slotId, expiresAt }, c),
    ] },
    { streamId: `appointment-${appointmentId}`, expected: 'no_stream', events: [
      envelope('AppointmentRequested', { appointmentId, patientId, doctorId, slotId, start, end, feePaise: 50_000, holdExpiresAt: expiresAt }, c),
    ] },
  ];
}

const time = async (run: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await run();
  return performance.now() - t;
};

/** The service in its own process on `dataDir`: prints one `result {json}` line (growthTarget.ts). */
function runTarget(dataDir: string, rebuild: boolean, timeoutMs: number): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'servers', 'growthTarget.ts'), dataDir, rebuild ? 'rebuild' : 'start'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`growthTarget did not finish in ${timeoutMs} ms`)); }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('result '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('result '.length)) as Record<string, number>);
      else reject(new Error(`growthTarget exited with ${code}`));
    });
  });
}

export async function benchGrowth(): Promise<{ sizes: GrowthPoint[]; budgetSeconds: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-bench-growth-'));
  const file = join(dataDir, 'healthvision.sqlite');
  const started = performance.now();
  const points: GrowthPoint[] = [];
  let bookings = 0;
  // Seconds per event for the whole per-size routine, learnt from the sizes done so far.
  let secondsPerEvent = 1 / 20_000;
  try {
    for (const size of SIZES) {
      const left = BUDGET_S - (performance.now() - started) / 1000;
      const estimate = size * secondsPerEvent;
      if (estimate > left) {
        points.push({ events: size, skipped: `would take about ${Math.round(estimate)} s, ${Math.round(Math.max(0, left))} s of the ${BUDGET_S} s budget left (HV_BENCH_GROWTH_BUDGET_S)` });
        continue;
      }
      const sizeStarted = performance.now();
      const db = openDatabase(file, 'normal');
      const store = new SqliteEventStore(db, undefined, { synchronous: 'full' });
      const target = Math.ceil(size / EVENTS_PER_BOOKING);
      const generateMs = await time(async () => {
        while (bookings < target) {
          const turn = Array.from({ length: Math.min(BOOKINGS_PER_TURN, target - bookings) }, (_, i) => booking(bookings + i));
          bookings += turn.length;
          await Promise.all(turn.map((parts) => store.appendMany(parts)));
        }
      });
      const head = await store.headPosition();
      const appendMs: number[] = [];
      for (let i = 0; i < PROBES; i += 1) {
        const parts = booking(target + i)[2];
        appendMs.push(await time(() => store.append(`growth-probe-${randomUUID()}`, parts.events, 'no_stream')));
      }
      const sample = db.prepare<[number], { stream_id: string }>('SELECT stream_id FROM events WHERE position = ?');
      const readMs: number[] = [];
      const pageMs: number[] = [];
      for (let i = 0; i < PROBES; i += 1) {
        const at = 1 + Math.floor(Math.random() * head);
        const streamId = sample.get(at)!.stream_id;
        readMs.push(await time(() => store.readStream(streamId)));
        pageMs.push(await time(() => store.readAll({ fromPosition: at, maxCount: 500 })));
      }
      let verified = 0;
      const verifyMs = await time(async () => {
        const tips = new Map<string, string>();
        for (let after = 0; ;) {
          const page = await store.readAll({ fromPosition: after, maxCount: 1000 });
          if (page.length === 0) break;
          for (const event of page) {
            const { hash, ...rest } = event.metadata;
            if (hash !== hashEvent(tips.get(event.streamId) ?? null, event.type, event.data, rest)) throw new Error(`chain broken at ${event.position}`);
            tips.set(event.streamId, hash);
          }
          verified += page.length;
          after = page[page.length - 1].position;
        }
      });
      await store.close();
      db.close();
      const timeout = Math.max(120_000, (BUDGET_S - (performance.now() - started) / 1000) * 1000);
      const first = await runTarget(dataDir, true, timeout);
      const second = await runTarget(dataDir, false, timeout);
      points.push({
        events: head,
        generatedPerSec: Math.round((size / generateMs) * 1000),
        dbMegabytes: Math.round(statSync(file).size / 1e6),
        appendP50Ms: Number(median(appendMs).toFixed(2)),
        appendP99Ms: Number(percentile(appendMs, 99).toFixed(2)),
        readStreamP50Ms: Number(median(readMs).toFixed(3)),
        readAllPageP50Ms: Number(median(pageMs).toFixed(2)),
        verifyEventsPerSec: Math.round((verified / verifyMs) * 1000),
        startUpMs: second.startUpMs,
        behindAtStart: second.behindAtStart,
        rebuildMs: first.rebuildMs,
        rebuildEventsPerSec: Math.round((first.head / first.rebuildMs) * 1000),
        firstStartMs: first.startUpMs,
        catchUpMs: first.catchUpMs,
      });
      console.log(points.at(-1));
      secondsPerEvent = Math.max(secondsPerEvent, (performance.now() - sizeStarted) / 1000 / size);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { sizes: points, budgetSeconds: BUDGET_S };
}
