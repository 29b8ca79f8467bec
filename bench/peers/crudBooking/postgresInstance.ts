import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Debian's PostgreSQL 15 binaries (package postgresql-15). */
const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresInstance {
  url: string;
  stop(): void;
}

/** Why no instance can be started here, or null when it can. */
export function postgresUnavailable(): string | null {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl'))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (userInfo().uid === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no postgres user to run the server as';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A throw-away cluster with its own data directory under a temp dir, listening on 127.0.0.1 only with
 * password (SCRAM) authentication, durable commits as shipped (fsync on, synchronous_commit on).
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
export async function startPostgres(): Promise<PostgresInstance> {
  const root = mkdtempSync(join(tmpdir(), 'hv-bench-pg-'));
  const dataDir = join(root, 'data');
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  const run = (bin: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(BIN, bin);
    const argv = asRoot ? ['-u', 'postgres', '--', join(BIN, bin), ...args] : args;
    execFileSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  };
  const pwFile = join(root, 'pw');
  writeFileSync(pwFile, password, { mode: 0o600 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chownSync(pwFile, uid, gid);
  }
  chmodSync(root, 0o700);
  run('initdb', ['-D', dataDir, '-U', 'bench', '--auth=scram-sha-256', `--pwfile=${pwFile}`, '--encoding=UTF8', '--no-instructions']);
  const options = [`-c listen_addresses=127.0.0.1`, `-c port=${port}`, `-c unix_socket_directories=${root}`,
    '-c synchronous_commit=on', '-c fsync=on', '-c max_connections=50'].join(' ');
  run('pg_ctl', ['-D', dataDir, '-l', join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  let stopped = false;
  return {
    url: `postgres://bench:${password}@127.0.0.1:${port}/postgres`,
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh, empty database in the instance (one per run, so every run starts from the same state). */
export async function createDatabase(instance: PostgresInstance, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client(instance.url);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return instance.url.replace(/\/[^/]*$/, `/${name}`);
}
