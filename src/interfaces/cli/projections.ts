import { buildServices } from '../../infrastructure/compositionRoot.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { RebuildProgress } from '../../application/eventSourcing/projectionRunner.js';
import { configOrReport, EXIT_CONFIG } from './cliConfig.js';

const USAGE = 'Usage: npm run projections -- rebuild [name]\n'
  + '  Rebuilds one projection (or every one) aside, in a new generation, while the service keeps serving the\n'
  + '  current one; swaps it in once caught up. Running service instances follow the swap within a second.';
const EXIT_USAGE = 64;
/** EX_TEMPFAIL: the projection is being rebuilt already (by the service or another CLI); try later. */
const EXIT_BUSY = 75;
const BAR = 30;

function line(p: RebuildProgress): string {
  const share = p.eventsTotal > 0 ? Math.min(1, p.eventsDone / p.eventsTotal) : p.state === 'swapped' ? 1 : 0;
  const filled = Math.round(share * BAR);
  const eta = p.etaSeconds === null ? '' : ` ETA ${p.etaSeconds}s`;
  const rate = p.ratePerSecond === null ? '' : ` ${p.ratePerSecond}/s`;
  return `${p.projection} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${p.eventsDone}/${p.eventsTotal}${rate}${eta} ${p.state}`;
}

async function main(): Promise<number> {
  const [command, name, ...rest] = process.argv.slice(2);
  if (command !== 'rebuild' || rest.length > 0 || name?.startsWith('-')) {
    console.error(USAGE);
    return EXIT_USAGE;
  }
  const config = configOrReport();
  if (!config) return EXIT_CONFIG;
  const services = await buildServices(config);
  try {
    const names = services.projections.names();
    if (name && !names.includes(name)) {
      console.error(`No projection named ${name}. Projections: ${names.join(', ')}`);
      return EXIT_USAGE;
    }
    let failed = 0;
    for (const projection of name ? [name] : names) {
      try {
        await services.projections.rebuild(projection);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'rebuild_in_progress') {
          console.error(error.message);
          return EXIT_BUSY;
        }
        throw error;
      }
      const done = services.projections.finished(projection);
      // A bar redrawn in place on a terminal; one line per projection when the output is a file or a pipe.
      if (process.stdout.isTTY) {
        const draw = setInterval(() => {
          void services.projections.rebuildProgress().then((all) => {
            const now = all.find((p) => p.projection === projection);
            if (now) process.stdout.write(`\r${line(now)}`);
          });
        }, 200);
        await done.finally(() => clearInterval(draw));
      }
      const outcome = await done;
      if (!outcome) continue;
      process.stdout.write(`${process.stdout.isTTY ? '\r' : ''}${line(outcome)}${outcome.error ? ` — ${outcome.error}` : ''}\n`);
      if (outcome.state !== 'swapped') failed += 1;
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await services.stop();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error('Rebuild failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
