import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEventStore } from './eventStore.bench.js';
import { benchBooking } from './booking.bench.js';

/**
 * `npm run bench`: figures for this machine, printed and saved to bench/results/latest.json.
 * Timings are never asserted in tests; compare ratios measured in one run.
 */
async function main(): Promise<void> {
  const results: Record<string, unknown> = { measuredAt: new Date().toISOString(), node: process.version };
  console.log('event store, synchronous=FULL (median of 3) …');
  results.eventstore = await benchEventStore('full');
  console.log(results.eventstore);
  console.log('event store, synchronous=NORMAL (median of 3) …');
  results.eventstoreNormal = await benchEventStore('normal');
  console.log(results.eventstoreNormal);
  console.log('booking over HTTP vs. express + one append (autocannon, 10 connections) …');
  results.booking = await benchBooking();
  console.log(results.booking);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
