import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteReadStore } from '../../../src/infrastructure/readStore/sqliteReadStore.js';

/*
 * Two service processes share one SQLite file. A transaction that reads before it writes must wait
 * for the other process's write lock like any single statement does: a deferred transaction that
 * already holds a read snapshot gets SQLITE_BUSY at once ("database is locked"), busy_timeout or not,
 * which is how a second process once failed to start.
 */
const HOLD_MS = 300;

/** Another process takes the write lock, says so, holds it for HOLD_MS, then commits. */
function holdWriteLock(file: string): Promise<ChildProcess> {
  const code = `
    const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${HOLD_MS});
    db.exec('COMMIT');
    db.close();`;
  const child = spawn(process.execPath, ['-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('locked')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before locking`)));
  });
}

describe('SQLite writes while another process holds the write lock', () => {
  let dir: string;
  let db: Database.Database;
  let holder: ChildProcess | undefined;

  afterEach(async () => {
    if (holder && holder.exitCode === null) await new Promise((resolve) => holder?.once('exit', resolve));
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a projection write that merges into an existing document waits for the lock and lands', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-lock-'));
    const file = join(dir, 'healthvision.db');
    db = openDatabase(file);
    const store = new SqliteReadStore(db);
    await store.apply([{ collection: 'slots', id: 's1', set: { status: 'available', doctorId: 'd1' } }], 1);

    holder = await holdWriteLock(file);
    await store.apply([{ collection: 'slots', id: 's1', set: { status: 'held' } }], 2);

    expect(await store.get('slots', 's1')).toEqual({ id: 's1', status: 'held', doctorId: 'd1' });
  }, 15_000);
});
