import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bookingServiceRun } from './booking.bench.js';
import { summariseProfile } from './cpuProfile.js';

/**
 * `npx tsx bench/profileBooking.ts`: one booking run of the service under the CPU profiler; leaves the
 * .cpuprofile in the temp dir (open it in Chrome DevTools) and saves a summary of self time by function,
 * by area and native time by our caller to bench/results/booking-profile.json.
 */
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(tmpdir(), `hv-booking-${process.pid}.cpuprofile`);
const run = await bookingServiceRun({ ...process.env, HV_BENCH_CPU_PROFILE: file });
const summary = { created: run.created, errors: run.errors, cpuMsPerRequest: run.cpuMsPerRequest, ...summariseProfile(readFileSync(file, 'utf8')) };
writeFileSync(join(dir, 'booking-profile.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
console.log(`profile: ${file}`);
