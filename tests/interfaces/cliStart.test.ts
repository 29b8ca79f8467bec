import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START = join(import.meta.dirname, '..', '..', 'src', 'interfaces', 'cli', 'start.ts');

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string }

/** Starts the real entry point; `whenReady` runs once it prints its banner. Everything is bounded in time. */
function run(env: Record<string, string>, whenReady?: (url: string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let readied = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    const match = /on (http:\/\/localhost:\d+)/.exec(out);
    if (match && whenReady && !readied) {
      readied = true;
      void whenReady(match[1].replace('localhost', '127.0.0.1')).then(() => child.kill('SIGTERM'));
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('exit', (code, signal) => { clearTimeout(killer); resolve({ code, signal, out }); }));
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
});
