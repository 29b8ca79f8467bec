import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrowthPoint } from './growth.bench.js';

/**
 * The README's figures table from bench/results/latest.json: every figure beside its peer (the bare
 * loop, the CRUD stack, the smallest history) or as a ratio. `npx tsx bench/figuresTable.ts` prints it;
 * `--write` replaces the table between the README's `bench-figures` markers.
 */
const START = '<!-- bench-figures:start (npx tsx bench/figuresTable.ts --write) -->';
const END = '<!-- bench-figures:end -->';

type Section = Record<string, number | string | null | undefined>;
const n = (value: unknown, digits = 0) => (typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—');
const ratio = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? (a / b).toFixed(2) : '—');

export function figuresTable(results: Record<string, unknown>): string {
  const rows: string[][] = [];
  for (const [key, label] of [['eventstore', 'appends/s, synchronous=FULL'], ['eventstoreNormal', 'appends/s, synchronous=NORMAL']] as const) {
    const s = results[key] as Section | undefined;
    if (s) rows.push([`Event store port, ${label}`, n(s.appendsPerSec), `bare better-sqlite3 loop ${n(s.limitAppendsPerSec)}`, ratio(s.appendsPerSec, s.limitAppendsPerSec)]);
  }
  const b = results.booking as Section | undefined;
  if (b) {
    if (b.peerRatio !== null && b.peerRatio !== undefined) {
      rows.push(['Booking req/s (10 connections, 7,500 distinct slots, A/B/A/B)', n(b.reqPerSec), `CRUD peer (express + PostgreSQL 15) ${n(b.peerReqPerSec)}`, n(b.peerRatio, 2)]);
      rows.push(['Booking p99 latency, ms', n(b.p99Ms, 1), `CRUD peer ${n(b.peerP99Ms, 1)}`, ratio(b.p99Ms, b.peerP99Ms)]);
      if (typeof b.machineCpuMsPerRequest === 'number') {
        rows.push(['Booking: machine CPU per booking, ms (every process, load generator included)', n(b.machineCpuMsPerRequest, 2), `CRUD peer ${n(b.peerMachineCpuMsPerRequest, 2)}`, ratio(b.machineCpuMsPerRequest, b.peerMachineCpuMsPerRequest)]);
        rows.push(['Booking: share of all cores busy during the load', n(b.machineUtilisation, 2), `CRUD peer ${n(b.peerMachineUtilisation, 2)}`, ratio(b.machineUtilisation, b.peerMachineUtilisation)]);
      }
    } else {
      rows.push(['Booking vs CRUD peer', '—', `skipped: ${String(b.peerSkipped ?? 'not measured')}`, '—']);
    }
    rows.push(['Booking req/s vs express + one bare append', n(b.reqPerSec), `ceiling ${n(b.ceilingReqPerSec)}`, n(b.ratio, 2)]);
  }
  const mixed = results.mixed as { steps?: Array<{ sessionsPerSec: number; requestsPerSec: number; p99Ms: number; failed: number }>; highestRateUnder100MsP99?: number | null; firstRateOverLimit?: number | null } | undefined;
  const best = mixed?.steps?.find((s) => s.sessionsPerSec === mixed.highestRateUnder100MsP99);
  if (mixed && best) {
    const over = mixed.steps?.find((s) => s.sessionsPerSec === mixed.firstRateOverLimit);
    const beside = over
      ? `next rate tried ${n(over.sessionsPerSec)}/s: p99 ${n(over.p99Ms, 1)} ms${over.failed > 0 ? `, ${n(over.failed)} sessions failed` : ''}`
      : 'the highest rate tried: the limit was not reached';
    rows.push([`Mixed workload: highest arrival rate with p99 < 100 ms (sessions/s; ${n(best.requestsPerSec)} req/s; p99 ${n(best.p99Ms, 1)} ms)`, n(best.sessionsPerSec), beside, ratio(best.p99Ms, 100)]);
  }
  const growth = (results.growth as { sizes?: GrowthPoint[] } | undefined)?.sizes?.filter((p) => !p.skipped) ?? [];
  if (growth.length >= 2) {
    const [small, large] = [growth[0], growth[growth.length - 1]];
    const at = (p: GrowthPoint) => `${n(p.events)} events`;
    for (const [label, key, digits] of [
      ['Durable append p50, ms', 'appendP50Ms', 2], ['Read one stream p50, ms', 'readStreamP50Ms', 3], ['Read a 500-event page p50, ms', 'readAllPageP50Ms', 2],
      ['Service start-up, ms', 'startUpMs', 0], ['Hash-chain verify, events/s', 'verifyEventsPerSec', 0], ['Full rebuild, events/s', 'rebuildEventsPerSec', 0],
    ] as const) {
      rows.push([`${label} at ${at(large)}`, n(large[key], digits), `at ${at(small)} ${n(small[key], digits)}`, ratio(large[key], small[key])]);
    }
    rows.push([`Projections behind at start-up at ${at(large)} (no replay: 0)`, n(large.behindAtStart), `at ${at(small)} ${n(small.behindAtStart)}`, '—']);
  }
  const ledger = results.ledger as {
    appendsPerSecWithLedger?: number; appendsPerSecWithoutLedger?: number; appendsPerSecWithInlineLedger?: number;
    ratio?: number; inlineRatio?: number; verify?: { events: number; eventsPerSec: number };
  } | undefined;
  if (ledger) {
    // The bench's ratios are medians of ratios within rounds, steadier than a ratio of the medians shown.
    const measured = (r: number | undefined, a: number | undefined) => (r === undefined ? ratio(a, ledger.appendsPerSecWithoutLedger) : r.toFixed(2));
    rows.push(['Appends/s with the signed Merkle ledger running (its own thread)', n(ledger.appendsPerSecWithLedger), `without it ${n(ledger.appendsPerSecWithoutLedger)}`, measured(ledger.ratio, ledger.appendsPerSecWithLedger)]);
    if (ledger.appendsPerSecWithInlineLedger) {
      rows.push(['Appends/s with the ledger on the service thread (LEDGER_WRITER=inline)', n(ledger.appendsPerSecWithInlineLedger), `without it ${n(ledger.appendsPerSecWithoutLedger)}`, measured(ledger.inlineRatio, ledger.appendsPerSecWithInlineLedger)]);
    }
    if (ledger.verify) rows.push([`npm run audit -- verify, events/s over ${n(ledger.verify.events)} events`, n(ledger.verify.eventsPerSec), 'chains, leaves, roots and signatures together', '—']);
  }
  const skipped = ((results.growth as { sizes?: GrowthPoint[] } | undefined)?.sizes ?? []).filter((p) => p.skipped);
  const lines = [
    `Measured ${String(results.measuredAt ?? '?')} on Node ${String(results.node ?? '?')}; compare the ratio column, absolute figures move with the machine.`,
    '',
    '| Figure | Ours | Beside it | Ratio |',
    '| --- | ---: | --- | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    ...skipped.map((p) => `\nGrowth at ${n(p.events)} events skipped: ${p.skipped}.`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const results = JSON.parse(readFileSync(join(import.meta.dirname, 'results', 'latest.json'), 'utf8')) as Record<string, unknown>;
  const table = figuresTable(results);
  if (process.argv.includes('--write')) {
    const readme = join(import.meta.dirname, '..', 'README.md');
    const text = readFileSync(readme, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    if (start === -1 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
    writeFileSync(readme, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
  }
  console.log(table);
}
