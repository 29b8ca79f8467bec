import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const START = join(ROOT, 'src', 'interfaces', 'cli', 'start.ts');

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string }

/** Starts the real entry point; `whenReady` runs once it prints its banner. Everything is bounded in time. */
function run(env: Record<string, string>, whenReady?: (url: string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return supervise(child, whenReady, () => child.kill('SIGTERM'));
}

/**
 * `npm start` as a terminal runs it: in its own process group, so `process.kill(-pid)` is what Ctrl-C
 * does (every process of the group gets the signal). It builds dist/ first when stale, hence the longer bound.
 */
function runNpmStart(env: Record<string, string>, whenReady: (url: string, signalGroup: (signal: NodeJS.Signals) => void) => Promise<void>): Promise<Run> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => process.kill(-(child.pid ?? 0), signal);
  return supervise(child, (url) => whenReady(url, signalGroup), () => undefined, 150_000);
}

function supervise(child: ChildProcess, whenReady: ((url: string) => Promise<void>) | undefined, stop: () => void, boundMs = 60_000): Promise<Run> {
  let out = '';
  let readied = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    const match = /on (http:\/\/localhost:\d+)/.exec(out);
    if (match && whenReady && !readied) {
      readied = true;
      void whenReady(match[1].replace('localhost', '127.0.0.1')).then(stop);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return new Promise((resolve) => child.on('exit', (code, signal) => { clearTimeout(killer); resolve({ code, signal, out }); }));
}

/** A login whose body arrives in two halves: it is in flight from the first half until `finish()`. */
function slowLogin(url: string): { finish: () => void; status: Promise<number> } {
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'not the password' });
  const req = request(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { finish: () => req.end(body.slice(10)), status };
}

describe('the start command', () => {
  it('refuses to start on a malformed variable and names it', async () => {
    const result = await run({ PORT: 'eighty' });
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/PORT/);
  });

  it('refuses the development JWT secret in production', async () => {
    const result = await run({ NODE_ENV: 'production', RAZORPAY_KEY_ID: 'k', RAZORPAY_KEY_SECRET: 's', RAZORPAY_WEBHOOK_SECRET: 'w' });
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/JWT_SECRET/);
  });

  it('serves on the embedded profile, then stops gracefully on SIGTERM with exit code 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-'));
    let ready = 0;
    let docs = 0;
    try {
      const result = await run({ DATA_DIR: dataDir, PORT: String(20000 + Math.floor(Math.random() * 20000)), SEED_DEMO: 'false', LOG_LEVEL: 'info' }, async (url) => {
        ready = (await fetch(`${url}/readyz`)).status;
        docs = (await fetch(`${url}/api-docs/`)).status;
      });
      expect([ready, docs]).toEqual([200, 200]);
      expect(result.out).toContain('shutting down gracefully');
      expect(result.code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('without NODE_ENV or HOST, listens on 127.0.0.1 only and says so; an explicit HOST is taken as it is, without the notice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-'));
    try {
      const port = () => String(20000 + Math.floor(Math.random() * 20000));
      let ready = 0;
      // An empty value counts as unset, as it does for every variable.
      const defaulted = await run({ HOST: '', DATA_DIR: dataDir, PORT: port(), SEED_DEMO: 'false', LOG_LEVEL: 'info' }, async (url) => {
        ready = (await fetch(`${url}/readyz`)).status;
      });
      expect(ready).toBe(200);
      expect(defaulted.out).toMatch(/"host":"127\.0\.0\.1".*HealthVision is listening/);
      expect(defaulted.out).toMatch(/Bound to 127\.0\.0\.1 only .*set HOST=0\.0\.0\.0/);

      const explicit = await run({ HOST: '127.0.0.1', DATA_DIR: dataDir, PORT: port(), SEED_DEMO: 'false', LOG_LEVEL: 'info' }, async () => {});
      expect(explicit.out).toContain('HealthVision (embedded profile) on');
      expect(explicit.out).not.toContain('Bound to');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('ends the start-up banner with how to get new demo passwords', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-'));
    try {
      const result = await run({ DATA_DIR: dataDir, PORT: String(20000 + Math.floor(Math.random() * 20000)), SEED_DEMO: 'true', BCRYPT_COST: '4' }, async () => {});
      const banner = result.out.slice(result.out.indexOf('Demo accounts'));
      expect(banner).toMatch(/patient@demo\.healthvision\.dev/);
      expect(banner).toContain(`delete ${dataDir}, start again`);
      expect(banner).toMatch(/forgot-password.*\/api\/dev\/mailbox\n*$/);
      expect(result.code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it.each<[string, NodeJS.Signals]>([
    ['Ctrl-C (SIGINT to its process group)', 'SIGINT'],
    ['SIGTERM to its process group', 'SIGTERM'],
  ])('npm start stops gracefully on %s: the request in flight is answered, exit code 0', async (_, signal) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-cli-'));
    let answered = 0;
    try {
      const result = await runNpmStart({ DATA_DIR: dataDir, PORT: String(20000 + Math.floor(Math.random() * 20000)), SEED_DEMO: 'false', LOG_LEVEL: 'info' }, async (url, signalGroup) => {
        const login = slowLogin(url);
        await new Promise((resolve) => setTimeout(resolve, 200));
        signalGroup(signal);
        // Past the window in which a forwarded copy of the signal is taken for the same Ctrl-C.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        login.finish();
        answered = await login.status;
      });
      expect(answered).toBe(401);
      expect(result.out).toMatch(new RegExp(`"signal":"${signal}".*shutting down gracefully`));
      expect(result.out).not.toContain('second signal');
      expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
