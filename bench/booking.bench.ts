import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'servers', script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
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

function stopChild(child: ChildProcess): Promise<void> {
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
function load(url: string, bodies: Array<{ token?: string; slotId: string }>, stopAfterBodies: boolean): Promise<autocannon.Result> {
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
function histogramQuantile(metricsText: string, metric: string, q: number): number {
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
  reqPerSec: number;
  /** Service CPU per booking: steadier than the rates on a shared machine, so the figure to compare changes by. */
  cpuMsPerRequest: number;
  p99Ms: number;
  ceilingReqPerSec: number;
  ratio: number;
  projectionLagP99Ms: number;
  created: number;
  conflicts: number;
  errors: number;
}

export async function benchBooking(): Promise<BookingFigures> {
  const fixtureFile = join(mkdtempSync(join(tmpdir(), 'hv-bench-fixture-')), 'fixture.json');
  const target = await startChild('bookingTarget.ts', [fixtureFile, String(PATIENTS)]);
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as { url: string; tokens: string[]; slotIds: string[] };
  const bodies = fixture.slotIds.slice(0, fixture.tokens.length * HOLDS_PER_PATIENT)
    .map((slotId, i) => ({ slotId, token: fixture.tokens[i % fixture.tokens.length] }));
  let booking: autocannon.Result;
  let metrics: string;
  let cpuBefore: number;
  try {
    cpuBefore = cpuSeconds(await (await fetch(`${fixture.url}/metrics`)).text());
    // Each slot can be booked once, so the booking run stops when the fixture is used up.
    booking = await load(fixture.url, bodies, true);
    metrics = await (await fetch(`${fixture.url}/metrics`)).text();
  } finally {
    await stopChild(target.child);
  }
  const created = booking.statusCodeStats?.['201']?.count ?? 0;
  const conflicts = booking.statusCodeStats?.['409']?.count ?? 0;

  const ceiling = await startChild('appendCeiling.ts', []);
  let bare: autocannon.Result;
  try {
    bare = await load(ceiling.line.split(' ')[1], bodies.map((b) => ({ slotId: b.slotId })), false);
  } finally {
    await stopChild(ceiling.child);
  }
  const reqPerSec = ratePerSec(booking);
  const ceilingReqPerSec = ratePerSec(bare);
  return {
    reqPerSec: Math.round(reqPerSec),
    cpuMsPerRequest: Number(((cpuSeconds(metrics) - cpuBefore) * 1000 / booking.requests.total).toFixed(3)),
    p99Ms: booking.latency.p99,
    ceilingReqPerSec: Math.round(ceilingReqPerSec),
    ratio: Number((reqPerSec / ceilingReqPerSec).toFixed(3)),
    projectionLagP99Ms: Number((histogramQuantile(metrics, 'projection_apply_lag_seconds', 0.99) * 1000).toFixed(1)),
    created,
    conflicts,
    errors: booking.errors + booking.non2xx - conflicts,
  };
}
