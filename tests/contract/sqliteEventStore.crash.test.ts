import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '../../src/application/eventSourcing/eventChain.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';

interface Acknowledged {
  stream: string;
  revision: number;
  eventId: string;
}

const FIXTURE = join(process.cwd(), 'tests/contract/fixtures/appendLoop.ts');
// Generous: on a loaded CI runner two cold tsx starts have taken over 20 s.
const START_TIMEOUT_MS = 60_000;
const RUN_MS = 1_500;

/** Starts a writer and collects every append it acknowledged on stdout. */
function startWriter(file: string, name: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file, name], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const acknowledged: Acknowledged[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line) acknowledged.push(JSON.parse(line) as Acknowledged);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  let outcome: NodeJS.Signals | number | null | undefined;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      outcome = signal ?? code;
      resolve(outcome);
    });
  });
  return { child, acknowledged, exited, hasExited: () => outcome !== undefined, stderr: () => stderr };
}

/** Waits for `condition`, giving up at the deadline or as soon as `hopeless`; `state` is read only then. */
async function until(condition: () => boolean, hopeless: () => boolean, ms: number, state: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (hopeless()) throw new Error(`gave up early: ${state()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SqliteEventStore crash safety (synchronous=FULL)', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append of writers killed with SIGKILL mid-loop, and every chain verifies', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-crash-'));
    const file = join(dir, 'events.sqlite');
    // Two processes on one file: they also contend for the write lock, which must never surface as an error.
    const writers = [startWriter(file, 'a'), startWriter(file, 'b')];
    children.push(...writers.map((w) => w.child));

    // A writer that died says why on stderr, so that is read when the wait fails, not when it starts.
    await until(() => writers.every((w) => w.acknowledged.length > 0), () => writers.some((w) => w.hasExited()), START_TIMEOUT_MS,
      () => writers.map((w, i) => `writer ${i}: ${w.acknowledged.length} acknowledged, stderr: ${w.stderr() || '(none)'}`).join(' | '));
    await new Promise((resolve) => setTimeout(resolve, RUN_MS));
    for (const w of writers) w.child.kill('SIGKILL');
    const outcomes = await Promise.all(writers.map((w) => w.exited));
    expect(outcomes).toEqual(['SIGKILL', 'SIGKILL']);

    const acknowledged = writers.flatMap((w) => w.acknowledged);
    expect(acknowledged.length).toBeGreaterThan(20);

    const db = openDatabase(file, 'full');
    const store = new SqliteEventStore(db);
    try {
      const streams = new Map<string, Awaited<ReturnType<SqliteEventStore['readStream']>>>();
      for (const stream of new Set(acknowledged.map((a) => a.stream))) {
        streams.set(stream, await store.readStream(stream, { raw: true }));
      }
      const missing = acknowledged.filter((a) => streams.get(a.stream)?.[a.revision]?.metadata.eventId !== a.eventId);
      expect(missing).toEqual([]);
      for (const [stream, events] of streams) {
        expect({ stream, verdict: verifyChain(events) }).toEqual({ stream, verdict: { valid: true, events: events.length } });
      }
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await store.close();
      db.close();
    }
  }, START_TIMEOUT_MS + RUN_MS + 20_000);
});
