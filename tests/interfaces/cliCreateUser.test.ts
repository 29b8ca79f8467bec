import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp } from '../support/testApp.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'interfaces', 'cli', 'createUser.ts');

function createUser(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  child.stdin.end(stdin);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out }); }));
}

describe('npm run user:create', () => {
  it('creates a verified auditor whose password (read from stdin with --password -) signs in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-user-'));
    try {
      const made = await createUser(['--role', 'auditor', '--email', 'Audit@Example.com', '--password', '-'], { DATA_DIR: dataDir }, 'a long operator password\n');
      expect(made.out).toContain('Created auditor audit@example.com');
      expect(made.code).toBe(0);
      const t = await startTestApp({ dataDir });
      try {
        const session = await t.services.identity.login({ email: 'audit@example.com', password: 'a long operator password' }, { actor: { userId: 'system', role: 'system' }, correlationId: 't' });
        expect(session.user).toMatchObject({ role: 'auditor', emailVerified: true });
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses roles that sign-up covers, and says how to use it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-user-'));
    try {
      const refused = await createUser(['--role', 'patient', '--email', 'p@example.com', '--password', 'a long password here'], { DATA_DIR: dataDir });
      expect(refused.code).toBe(64);
      expect(refused.out).toContain('Usage: npm run user:create');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
