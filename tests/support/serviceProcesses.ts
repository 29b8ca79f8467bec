import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { networkClient, type HttpClient } from './httpClient.js';
import { sleep } from './polling.js';

const START = join(import.meta.dirname, '..', '..', 'src', 'interfaces', 'cli', 'start.ts');

/** A port on 127.0.0.1 that was free a moment ago (the start command prints the port it was given, so 0 will not do). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface ServiceProcess {
  name: string;
  url: string;
  client: HttpClient;
  /** What the process printed so far (stdout and stderr), for a failing test's report. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; answers the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once, as a crash or an OOM kill would: no shutdown code runs. */
  kill(): Promise<void>;
}

/** Test defaults: quiet, fast hashing, limits no test of one address reaches. `env` goes on top. */
export function serviceEnv(dataDir: string, port: number, env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, SEED_DEMO: 'false',
    LOG_LEVEL: 'warn', BCRYPT_COST: '4', RATE_LIMIT_PER_MINUTE: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...env,
  };
}

/** Starts the real entry point (`src/interfaces/cli/start.ts` under tsx) and waits until it answers /healthz. */
export async function startServiceProcess(name: string, env: Record<string, string>, timeoutMs = 45_000): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', START], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${env.PORT}`;
  const service: ServiceProcess = {
    name, url, client: networkClient(url, name), output: () => out,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${out}`);
    const healthy = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (healthy) return service;
    if (Date.now() > deadline) {
      await service.stop(1_000);
      throw new Error(`${name} did not answer /healthz within ${timeoutMs} ms:\n${out}`);
    }
    await sleep(100);
  }
}
