import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { openDatabase } from '../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../src/infrastructure/eventStore/sqliteEventStore.js';
import { SqliteLedgerStore } from '../src/infrastructure/audit/sqliteLedgerStore.js';
import { ed25519Signer } from '../src/infrastructure/audit/ledgerKey.js';
import { LedgerWriter } from '../src/application/audit/ledgerWriter.js';
import { LedgerThread, type LedgerWriting } from '../src/infrastructure/audit/ledgerThread.js';
import { createLogger } from '../src/infrastructure/logger.js';
import { verifyLedger } from '../src/application/audit/ledgerVerification.js';
import type { EventToAppend } from '../src/application/ports/eventStore.js';
import { systemClock } from '../src/infrastructure/clock/systemClock.js';
import { median } from './stats.js';

const STREAMS = 2_000;
/** Concurrent appenders, as concurrent requests would be: they share group commits. */
const WORKERS = 10;
const log = { error: (obj: object, msg: string) => console.error(msg, obj) };

function event(i: number): EventToAppend {
  return {
    type: 'SlotHeld',
    data: { slotId: `s-${i % STREAMS}`, appointmentId: `a-${i}`, patientId: 'p-1', expiresAt: '2030-01-01T00:00:00.000Z' },
    metadata: {
      eventId: randomUUID(), actor: { userId: 'bench', role: 'system' }, correlationId: 'bench', causationId: null,
      recordedAt: new Date().toISOString(), schemaVersion: 1,
    },
  };
}

/** Where the writer runs: on the service's thread, or on its own (the embedded profile's default). */
type Host = 'inline' | 'thread';

/** A store as the service opens it: connection at NORMAL, events committed at FULL, the ledger beside them. */
function openStore(host: Host = 'thread') {
  const dir = mkdtempSync(join(tmpdir(), 'hv-bench-ledger-'));
  const file = join(dir, 'bench.sqlite');
  const db = openDatabase(file, 'normal');
  const events = new SqliteEventStore(db, undefined, { synchronous: 'full' });
  const ledger = new SqliteLedgerStore(db);
  const signingKey = generateKeyPairSync('ed25519').privateKey;
  const checkpoints = { checkpointEveryEvents: 1000, checkpointEverySeconds: 60 };
  const writer: LedgerWriting = host === 'thread'
    ? new LedgerThread({ sqliteFile: file, signingKey, store: ledger, log: createLogger('error'), ...checkpoints })
    : new LedgerWriter({ events, store: ledger, signer: ed25519Signer(signingKey), clock: systemClock, log, ...checkpoints });
  return {
    events, ledger, writer,
    close: async () => { await events.close(); db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * Appends/s for `appends` single-event appends, without the ledger writer or with it running beside them
 * (on the service's thread or its own); with it, also how long after the last append its leaves had caught up.
 */
export async function appendRun(appends: number, writer: Host | null): Promise<{ appendsPerSec: number; catchUpMs: number }> {
  const withLedger = writer !== null;
  const store = openStore(writer ?? 'inline');
  if (withLedger) await store.writer.start();
  // Steady state only: the thread loading its modules and catching up is not the cost being measured.
  if (store.writer instanceof LedgerThread) await store.writer.ready;
  const payloads = Array.from({ length: appends }, (_, i) => event(i));
  const revisions = new Array<number>(STREAMS).fill(-1);
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, async (_, worker) => {
    // Each worker owns the streams ≡ worker (mod WORKERS), so expected revisions never clash.
    for (let i = next; i < appends; i = next) {
      next += 1;
      const s = (i * WORKERS + worker) % STREAMS;
      revisions[s] = (await store.events.append(`slot-${s}`, [payloads[i]], revisions[s] === -1 ? 'no_stream' : revisions[s])).nextRevision;
    }
  }));
  const appended = performance.now();
  if (withLedger) {
    const head = await store.events.headPosition();
    const deadline = Date.now() + 120_000;
    while (store.writer.position() < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await store.writer.stop();
  }
  const catchUpMs = performance.now() - appended;
  await store.close();
  return { appendsPerSec: appends / ((appended - start) / 1000), catchUpMs };
}

/** `verify` over a store of `events` events (in streams of 20) with heads every 1000. */
async function verifyRun(events: number): Promise<{ events: number; eventsPerSec: number; valid: boolean }> {
  const store = openStore('inline');
  const batch = 20;
  for (let i = 0; i < events; i += batch) {
    await store.events.append(`report-${i}`, Array.from({ length: Math.min(batch, events - i) }, (_, j) => event(i + j)), 'no_stream');
  }
  await store.writer.start();
  const deadline = Date.now() + 300_000;
  while (store.writer.position() < await store.events.headPosition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await store.writer.stop();
  const start = performance.now();
  const verdict = await verifyLedger({ events: store.events, store: store.ledger });
  const secs = (performance.now() - start) / 1000;
  await store.close();
  return { events: verdict.events, eventsPerSec: Math.round(verdict.events / secs), valid: verdict.valid };
}

export interface LedgerFigures {
  appendsPerSecWithoutLedger: number;
  /** With the writer on its own thread, as the embedded profile runs it. */
  appendsPerSecWithLedger: number;
  /** Goal ≥ 0.9. */
  ratio: number;
  /** The same with the writer on the service's thread (as with a fake clock in tests). */
  appendsPerSecWithInlineLedger: number;
  inlineRatio: number;
  /** Median time from the last append until its leaf was written (the writer batches every 100 ms). */
  ledgerCatchUpMs: number;
  verify: { events: number; eventsPerSec: number; valid: boolean };
}

export async function benchLedger(options: { appends?: number; verifyEvents?: number; runs?: number } = {}): Promise<LedgerFigures> {
  // Single runs scatter by ±10 % on a 2-core machine: the ratios are taken within each round (whose
  // three runs follow each other, in an order that rotates), and the median round is reported.
  const { appends = 30_000, verifyEvents = 100_000, runs = 7 } = options;
  const hosts: Array<Host | null> = [null, 'thread', 'inline'];
  const rounds: Array<Map<Host | null, { appendsPerSec: number; catchUpMs: number }>> = [];
  for (let round = 0; round < runs; round += 1) {
    const results = new Map<Host | null, { appendsPerSec: number; catchUpMs: number }>();
    for (let i = 0; i < hosts.length; i += 1) {
      const host = hosts[(round + i) % hosts.length];
      results.set(host, await appendRun(appends, host));
    }
    rounds.push(results);
  }
  const rate = (host: Host | null) => median(rounds.map((r) => r.get(host)!.appendsPerSec));
  const ratioOf = (host: Host) => median(rounds.map((r) => r.get(host)!.appendsPerSec / r.get(null)!.appendsPerSec));
  return {
    appendsPerSecWithoutLedger: Math.round(rate(null)),
    appendsPerSecWithLedger: Math.round(rate('thread')),
    ratio: Number(ratioOf('thread').toFixed(3)),
    appendsPerSecWithInlineLedger: Math.round(rate('inline')),
    inlineRatio: Number(ratioOf('inline').toFixed(3)),
    ledgerCatchUpMs: Math.round(median(rounds.map((r) => r.get('thread')!.catchUpMs))),
    verify: await verifyRun(verifyEvents),
  };
}
