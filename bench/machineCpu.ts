import { readFileSync } from 'node:fs';

/**
 * The whole machine's CPU over a stretch of time, from /proc/stat (Linux; null elsewhere): the service
 * runs in one process, the CRUD peer in two (node and PostgreSQL), and both share the machine with the
 * load generator, so busy time per request across all of them is the figure that compares their cost,
 * and utilisation shows how much of the machine each side could use.
 */
export interface MachineCpu {
  /** Busy CPU milliseconds (every core, every process) per request served. */
  busyMsPerRequest: number;
  /** Busy share of all cores' time, 0–1. */
  utilisation: number;
}

interface Ticks { busy: number; total: number }

function ticks(): Ticks | null {
  let line: string;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal: idle and iowait are the time nothing ran.
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Starts measuring; the returned function ends it for the `requests` served meanwhile. */
export function measureMachineCpu(): (requests: number) => MachineCpu | null {
  const start = ticks();
  return (requests) => {
    const end = ticks();
    if (!start || !end || end.total === start.total || requests === 0) return null;
    // USER_HZ is 100 on every Linux the bench runs on: one tick is 10 ms.
    return {
      busyMsPerRequest: Number((((end.busy - start.busy) * 10) / requests).toFixed(3)),
      utilisation: Number(((end.busy - start.busy) / (end.total - start.total)).toFixed(2)),
    };
  };
}
