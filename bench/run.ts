import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { benchEventStore } from './eventStore.bench.js';
import { benchBooking } from './booking.bench.js';
import { benchLedger } from './ledger.bench.js';
import { benchGrowth } from './growth.bench.js';
import { benchMixed } from './mixed.bench.js';

/** Each section of the run, by the key its figures are saved under. */
const SECTIONS: Record<string, { title: string; run: () => Promise<unknown> }> = {
  eventstore: { title: 'event store, synchronous=FULL (median of 3)', run: () => benchEventStore('full') },
  eventstoreNormal: { title: 'event store, synchronous=NORMAL (median of 3)', run: () => benchEventStore('normal') },
  booking: { title: 'booking over HTTP: A/B/A/B with the CRUD peer (express + PostgreSQL), then express + one append (autocannon, 10 connections)', run: benchBooking },
  ledger: { title: 'audit ledger: appends/s without the writer, with it on its own thread and inline (10 appenders, median round of 7), then verify over 100k events', run: () => benchLedger() },
  mixed: { title: 'mixed workload at fixed arrival rates (browse, book, pay by wallet, read, consultation)', run: benchMixed },
  growth: { title: 'growth: 10k, 100k, 1M events through the event store port (HV_BENCH_GROWTH_SIZES, HV_BENCH_GROWTH_BUDGET_S)', run: benchGrowth },
};

/**
 * `npm run bench`: figures for this machine, printed and saved to bench/results/latest.json.
 * Timings are never asserted in tests; compare ratios measured in one run.
 * `npm run bench -- booking growth` runs only those sections and keeps the other saved figures.
 */
async function main(): Promise<void> {
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const dir = join(import.meta.dirname, 'results');
  const file = join(dir, 'latest.json');
  const earlier = chosen.length > 0 && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> : {};
  const results: Record<string, unknown> = { ...earlier, measuredAt: new Date().toISOString(), node: process.version };
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (chosen.length > 0 && !chosen.includes(name)) continue;
    console.log(`${section.title} …`);
    results[name] = await section.run();
    console.log(results[name]);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
