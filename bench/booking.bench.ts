import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDatabase, postgresUnavailable, startPostgres, type PostgresInstance } from './peers/crudBooking/postgresInstance.js';
import { measureMachineCpu, type MachineCpu } from './machineCpu.js';
import { median } from './stats.js';

const CONNECTIONS = 10;
const DURATION_SECONDS = 8;
const PATIENTS = 2500;
const HOLDS_PER_PATIENT = 3;
/**
 * autocannon notices that a run is over (its last response, or the duration) only on a sampling
 * tick, and reports that tick as the finish. With the default 1 s tick a run that used up its
 * fixture in 10.1 s read as 11 s, under-reporting booking throughput by up to a tenth.
 */
const SAMPLE_MS = 50;

/** `script` is relative to bench/; the child prints a line starting with `ready` once it serves. */
export function startChild(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'], env,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} did not start in time`)); }, 180_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const line = chunk.split('\n').find((l) => l.startsWith('ready'));
      if (line) { clearTimeout(timer); resolve({ child, line }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited with ${code}`)); });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/**
 * Requests per second over the whole run. autocannon's `requests.average` averages whole-second
 * buckets, which quantises a short run (7,500 requests in 6 s or 7 s reads 1,250 or 1,071).
 */
function ratePerSec(result: autocannon.Result): number {
  return result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000);
}

/** Runs for DURATION_SECONDS, or until every body was sent once (`stopAfterBodies`), whichever is first. */
export function load(url: string, bodies: Array<{ token?: string; slotId: string }>, stopAfterBodies: boolean): Promise<autocannon.Result> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon({
      url,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      sampleInt: SAMPLE_MS,
      ...(stopAfterBodies ? { amount: bodies.length } : {}),
      requests: [{
        method: 'POST',
        path: '/api/appointments',
        setupRequest: (req) => {
          const b = bodies[next % bodies.length];
          next += 1;
          return {
            ...req,
            headers: { 'content-type': 'application/json', ...(b.token ? { authorization: `Bearer ${b.token}` } : {}) },
            body: JSON.stringify({ slotId: b.slotId }),
          };
        },
      }],
    }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** histogram_quantile over a Prometheus histogram's cumulative buckets, as an operator would compute it. */
export function histogramQuantile(metricsText: string, metric: string, q: number): number {
  const buckets = new Map<number, number>();
  for (const line of metricsText.split('\n')) {
    const m = new RegExp(`^${metric}_bucket\\{.*le="([^"]+)".*\\} (\\d+(?:\\.\\d+)?)$`).exec(line);
    if (!m) continue;
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return previousLe;
      return previousLe + (le - previousLe) * ((rank - previousCount) / Math.max(1, count - previousCount));
    }
    previousLe = le;
    previousCount = count;
  }
  return previousLe;
}

/** The service's own CPU time so far (user + system), from the default Prometheus process metrics. */
function cpuSeconds(metricsText: string): number {
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(metricsText)?.[1] ?? Number.NaN);
}

export interface BookingFigures {
  /** Median over the service's runs (A/B/A/B with the peer). */
  reqPerSec: number;
  /** Service CPU per booking: steadier than the rates on a shared machine, so the figure to compare changes by. */
  cpuMsPerRequest: number;
  p99Ms: number;
  /** The plain CRUD peer (bench/peers/crudBooking): express + PostgreSQL, one transaction per booking. */
  peerReqPerSec: number | null;
  peerP99Ms: number | null;
  /** Median of service/peer over the A/B pairs; null (with `peerSkipped`) when PostgreSQL cannot run here. */
  peerRatio: number | null;
  peerSkipped?: string;
  /** Busy CPU of the whole machine (service or peer, and the load generator) per booking; medians. */
  machineCpuMsPerRequest: number | null;
  peerMachineCpuMsPerRequest: number | null;
  /** Share of the machine's cores busy during the load: one service process cannot use much past one core. */
  machineUtilisation: number | null;
  peerMachineUtilisation: number | null;
  ceilingReqPerSec: number;
  ratio: number;
  projectionLagP99Ms: number;
  created: number;
  conflicts: number;
  errors: number;
  peerCreated: number | null;
  runs: Array<{ side: 'service' | 'peer'; reqPerSec: number; p99Ms: number }>;
}

interface Fixture { url: string; tokens: string[]; slotIds: string[] }

/** Patient i books slots i, i + P, i + 2P: each booking a distinct slot, three holds per patient. */
function bookingBodies(fixture: Fixture): Array<{ token: string; slotId: string }> {
  return fixture.slotIds.slice(0, fixture.tokens.length * HOLDS_PER_PATIENT)
    .map((slotId, i) => ({ slotId, token: fixture.tokens[i % fixture.tokens.length] }));
}

interface Run { result: autocannon.Result; created: number; conflicts: number; errors: number; machine: MachineCpu | null }

/** The load, with the whole machine's CPU measured over it. */
async function measuredLoad(url: string, bodies: Array<{ token?: string; slotId: string }>): Promise<Run> {
  const machine = measureMachineCpu();
  const result = await load(url, bodies, true);
  const created = result.statusCodeStats?.['201']?.count ?? 0;
  const conflicts = result.statusCodeStats?.['409']?.count ?? 0;
  return { result, created, conflicts, errors: result.errors + result.non2xx - conflicts, machine: machine(result.requests.total) };
}

/** One fresh service process (bookingTarget.ts) booking its whole fixture once. */
async function serviceRun(env?: NodeJS.ProcessEnv): Promise<Run & { cpuMsPerRequest: number; projectionLagP99Ms: number }> {
  const fixtureFile = join(mkdtempSync(join(tmpdir(), 'hv-bench-fixture-')), 'fixture.json');
  const target = await startChild('servers/bookingTarget.ts', [fixtureFile, String(PATIENTS)], env);
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
  let booking: Run;
  let metrics: string;
  let cpuBefore: number;
  try {
    cpuBefore = cpuSeconds(await (await fetch(`${fixture.url}/metrics`)).text());
    // Each slot can be booked once, so the booking run stops when the fixture is used up.
    booking = await measuredLoad(fixture.url, bookingBodies(fixture));
    metrics = await (await fetch(`${fixture.url}/metrics`)).text();
  } finally {
    await stopChild(target.child);
    rmSync(dirname(fixtureFile), { recursive: true, force: true });
  }
  return {
    ...booking,
    cpuMsPerRequest: Number(((cpuSeconds(metrics) - cpuBefore) * 1000 / booking.result.requests.total).toFixed(3)),
    projectionLagP99Ms: Number((histogramQuantile(metrics, 'projection_apply_lag_seconds', 0.99) * 1000).toFixed(1)),
  };
}

/** One fresh peer process on a fresh database, same fixture shape and load. */
async function peerRun(postgres: PostgresInstance, database: string): Promise<Run> {
  const fixtureFile = join(mkdtempSync(join(tmpdir(), 'hv-bench-fixture-')), 'fixture.json');
  const url = await createDatabase(postgres, database);
  const peer = await startChild('peers/crudBooking/server.ts', [url, fixtureFile, String(PATIENTS)]);
  try {
    const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
    return await measuredLoad(fixture.url, bookingBodies(fixture));
  } finally {
    await stopChild(peer.child);
    rmSync(dirname(fixtureFile), { recursive: true, force: true });
  }
}

export { serviceRun as bookingServiceRun };

export async function benchBooking(): Promise<BookingFigures> {
  const skipped = postgresUnavailable();
  const postgres = skipped ? null : await startPostgres();
  const service: Array<Awaited<ReturnType<typeof serviceRun>>> = [];
  const peer: Run[] = [];
  try {
    // A/B/A/B: machine noise drifts over a run, so each service run is compared with the peer run beside it.
    for (let pair = 0; pair < 2; pair += 1) {
      service.push(await serviceRun());
      if (postgres) peer.push(await peerRun(postgres, `booking_${pair}`));
    }
  } finally {
    postgres?.stop();
  }

  const ceiling = await startChild('servers/appendCeiling.ts', []);
  let bare: autocannon.Result;
  try {
    const ids = Array.from({ length: PATIENTS * HOLDS_PER_PATIENT }, (_, i) => ({ slotId: `slot-${i}` }));
    bare = await load(ceiling.line.split(' ')[1], ids, false);
  } finally {
    await stopChild(ceiling.child);
  }
  const rates = service.map((r) => ratePerSec(r.result));
  const peerRates = peer.map((r) => ratePerSec(r.result));
  const reqPerSec = median(rates);
  const ceilingReqPerSec = ratePerSec(bare);
  const sum = (runs: Run[], key: 'created' | 'conflicts' | 'errors') => runs.reduce((n, r) => n + r[key], 0);
  const machine = (runs: Run[], key: keyof MachineCpu) => {
    const measured = runs.flatMap((r) => (r.machine ? [r.machine[key]] : []));
    return measured.length > 0 ? median(measured) : null;
  };
  return {
    reqPerSec: Math.round(reqPerSec),
    cpuMsPerRequest: Number(median(service.map((r) => r.cpuMsPerRequest)).toFixed(3)),
    p99Ms: median(service.map((r) => r.result.latency.p99)),
    peerReqPerSec: postgres ? Math.round(median(peerRates)) : null,
    peerP99Ms: postgres ? median(peer.map((r) => r.result.latency.p99)) : null,
    peerRatio: postgres ? Number(median(rates.map((rate, i) => rate / peerRates[i])).toFixed(3)) : null,
    ...(skipped ? { peerSkipped: skipped } : {}),
    machineCpuMsPerRequest: machine(service, 'busyMsPerRequest'),
    peerMachineCpuMsPerRequest: machine(peer, 'busyMsPerRequest'),
    machineUtilisation: machine(service, 'utilisation'),
    peerMachineUtilisation: machine(peer, 'utilisation'),
    ceilingReqPerSec: Math.round(ceilingReqPerSec),
    ratio: Number((reqPerSec / ceilingReqPerSec).toFixed(3)),
    projectionLagP99Ms: Number(median(service.map((r) => r.projectionLagP99Ms)).toFixed(1)),
    created: sum(service, 'created'),
    conflicts: sum(service, 'conflicts'),
    errors: sum(service, 'errors'),
    peerCreated: postgres ? sum(peer, 'created') : null,
    runs: [...service.map((r, i) => ({ side: 'service' as const, reqPerSec: Math.round(rates[i]), p99Ms: r.result.latency.p99 })),
      ...peer.map((r, i) => ({ side: 'peer' as const, reqPerSec: Math.round(peerRates[i]), p99Ms: r.result.latency.p99 }))],
  };
}
