import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp } from '../support/testApp.js';
import { givenUser } from '../support/identity.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'interfaces', 'cli', 'projections.ts');

function projections(args: string[], dataDir: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', SEED_DEMO: 'false', NODE_ENV: 'test', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out }); }));
}

describe('npm run projections -- rebuild', () => {
  it('rebuilds a projection aside and swaps it in; the service then reads the new generation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-proj-'));
    try {
      const before = await startTestApp({ dataDir });
      const user = await givenUser(before, { role: 'patient' });
      await before.close();

      const run = await projections(['rebuild', 'users'], dataDir);
      expect(run.out).toMatch(/users \[#+\] \d+\/\d+.* swapped/);
      expect(run.code).toBe(0);

      const after = await startTestApp({ dataDir });
      try {
        expect(after.services.projections.status().find((p) => p.name === 'users')).toMatchObject({ generation: 1 });
        expect(await after.services.reads.get('users', user.userId)).toMatchObject({ email: user.email });
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses an unknown projection or command with usage and exit 64', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-proj-'));
    try {
      const unknown = await projections(['rebuild', 'nope'], dataDir);
      expect(unknown.code).toBe(64);
      expect(unknown.out).toContain('No projection named nope');
      const wrong = await projections(['drop'], dataDir);
      expect(wrong.code).toBe(64);
      expect(wrong.out).toContain('Usage: npm run projections -- rebuild [name]');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
