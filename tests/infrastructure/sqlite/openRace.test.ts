import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';

/*
 * Several processes opening one fresh DATA_DIR at the same moment (two service instances, or a service
 * and the user:create CLI). Both switch the new file to WAL; SQLite resolves that deadlock by failing one
 * of them at once with "database is locked", whatever the busy timeout, which once killed a crash-test
 * writer at start. The race is a matter of timing, so each child opens a run of fresh files in step with
 * its siblings: before the fix 4 of 5 runs of 200 files each failed at least one open.
 */
const CHILDREN = 4;
const FILES = 300;
const FIXTURE = join(process.cwd(), 'tests/contract/fixtures/openRace.ts');

function startChild(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(FILES)], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, stderr: () => stderr };
}

describe('opening one fresh SQLite file from several processes at once', () => {
  let dir = '';
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every process opens every file, and each file ends up in WAL mode', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-open-race-'));
    const started = Array.from({ length: CHILDREN }, () => startChild(dir));
    children.push(...started.map((s) => s.child));
    await Promise.all(started.map((s) => s.ready));
    for (const s of started) s.child.stdin.write('go\n');

    const codes = await Promise.all(started.map((s) => s.exited));
    expect(codes.map((code, i) => (code === 0 ? 0 : `exit ${code}: ${started[i]?.stderr()}`))).toEqual(started.map(() => 0));

    for (const n of [0, FILES - 1]) {
      const db = openDatabase(join(dir, `fresh-${n}.sqlite`));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    }
  }, 90_000);
});
