import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp } from '../support/testApp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'interfaces', 'cli', 'createUser.ts');

function createUser(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return collect(child, stdin);
}

function collect(child: ChildProcessWithoutNullStreams, stdin: string): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  child.stdin.end(stdin);
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out }); }));
}

/** Through npm, as the README says to run it: npm prints the command line before running it. */
function npmRunUserCreate(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; out: string }> {
  const child = spawn('npm', ['run', 'user:create', '--', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'warn', SEED_DEMO: 'false', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return collect(child, stdin);
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

  it('the documented way (npm run, --password - from stdin) never shows the password, npm\'s echo included', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-user-'));
    try {
      const made = await npmRunUserCreate(['--role', 'admin', '--email', 'ops@example.com', '--password', '-'], { DATA_DIR: dataDir }, 'a secret operator password\n');
      expect(made.out).toContain('Created admin ops@example.com');
      expect(made.out).not.toContain('a secret operator password');
      expect(made.code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('warns that a password given as an argument is echoed, and names the way that is not', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-user-'));
    try {
      const made = await createUser(['--role', 'auditor', '--email', 'a2@example.com', '--password', 'a long password here'], { DATA_DIR: dataDir });
      expect(made.code).toBe(0);
      expect(made.out).toMatch(/Warning: a password given on the command line .*\n.*--password -/);
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
