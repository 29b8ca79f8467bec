import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySqliteBackup } from '../../src/infrastructure/sqlite/onlineBackup.js';
import { givenUser } from '../support/identity.js';
import { startTestApp, type TestApp } from '../support/testApp.js';

const BACKUP = join(import.meta.dirname, '..', '..', 'src', 'interfaces', 'cli', 'backup.ts');

/** `npm run backup -- <file>` against a DATA_DIR, as a separate process (as next to a running service). */
function backup(dataDir: string, file: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', BACKUP, file], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out }); }));
}

describe('the online backup of the embedded store', () => {
  let t: TestApp;
  let dataDir: string;
  let backups: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hv-backup-data-'));
    backups = mkdtempSync(join(tmpdir(), 'hv-backup-'));
    t = await startTestApp({ dataDir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(backups, { recursive: true, force: true });
  });

  it('copies the store while the service keeps writing, and the copy opens with every hash chain intact', async () => {
    await givenUser(t, { role: 'patient' });
    const file = join(backups, 'live.sqlite');
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await givenUser(t, { role: 'patient' });
        written += 1;
      }
    })();
    const result = await backup(dataDir, file);
    writing = false;
    await writer;

    expect(result.out).toMatch(/every hash chain verified/);
    expect(result.code).toBe(0);
    expect(written).toBeGreaterThan(0);
    const verdict = await verifySqliteBackup(file);
    expect(verdict.broken).toEqual([]);
    expect(verdict.events).toBeGreaterThan(0);
  }, 90_000);

  it('never overwrites an existing file', async () => {
    const file = join(backups, 'twice.sqlite');
    expect((await backup(dataDir, file)).code).toBe(0);
    const again = await backup(dataDir, file);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/exists/);
  }, 90_000);

  it('reports a stream whose stored events were altered in the copy', async () => {
    const file = join(backups, 'good.sqlite');
    expect((await backup(dataDir, file)).code).toBe(0);
    const tampered = join(backups, 'tampered.sqlite');
    copyFileSync(file, tampered);
    const db = new Database(tampered);
    const victim = db.prepare<[], { stream_id: string; revision: number }>('SELECT stream_id, revision FROM events ORDER BY position LIMIT 1').get();
    db.prepare("UPDATE events SET data = json_set(data, '$.name', 'Mallory') WHERE stream_id = ? AND revision = ?").run(victim?.stream_id, victim?.revision);
    db.close();

    expect((await verifySqliteBackup(tampered)).broken).toEqual([{ streamId: victim?.stream_id, firstBrokenRevision: victim?.revision }]);
  }, 90_000);
});
