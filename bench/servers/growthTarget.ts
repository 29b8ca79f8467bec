/**
 * The service on a generated history (growth.bench.ts): starts it on argv[2] as its DATA_DIR, times the
 * start and notes how far its projections were behind at that moment (no replay means 0 once it has
 * caught up before), waits for projections and reactors to reach the head, and with argv[3] = `rebuild`
 * rebuilds every projection at once. Prints `result {json}` and exits.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config.js';
import { startServer } from '../../src/interfaces/server.js';

const [dataDir, mode] = process.argv.slice(2);
const config = loadConfig({
  NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO: 'false', PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4',
});
const started = performance.now();
const server = await startServer(config);
const startUpMs = performance.now() - started;
const { projections, events } = server.services;
const head = await events.headPosition();
const behindAtStart = Math.max(0, ...projections.status().map((p) => head - p.position));
const catchUpStarted = performance.now();
if (!await projections.waitFor(head, 30 * 60_000)) throw new Error('projections did not catch up');
// Reactors keep their checkpoints every 50 events; the slowest of them bounds the catch-up.
const checkpoints = new Database(join(dataDir, 'healthvision.sqlite'), { readonly: true });
const slowestReactor = checkpoints.prepare<[], { p: number | null }>("SELECT MIN(position) AS p FROM projection_checkpoints WHERE projection LIKE 'reactor:%'");
for (const deadline = Date.now() + 30 * 60_000; (slowestReactor.get()?.p ?? head) < head - 50 && Date.now() < deadline;) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
checkpoints.close();
const catchUpMs = performance.now() - catchUpStarted;
let rebuildMs = 0;
if (mode === 'rebuild') {
  const rebuildStarted = performance.now();
  const names = projections.names();
  await Promise.all(names.map((name) => projections.rebuild(name)));
  const outcomes = await Promise.all(names.map((name) => projections.finished(name)));
  const failed = outcomes.filter((o) => o?.state !== 'swapped');
  if (failed.length > 0) throw new Error(`rebuild failed: ${JSON.stringify(failed)}`);
  rebuildMs = performance.now() - rebuildStarted;
}
await server.stop();
const round = (ms: number) => Math.round(ms);
console.log(`result ${JSON.stringify({ head, startUpMs: round(startUpMs), behindAtStart, catchUpMs: round(catchUpMs), rebuildMs: round(rebuildMs) })}`);
process.exit(0);
