import { resolve } from 'node:path';
import { configOrReport, EXIT_CONFIG } from './cliConfig.js';
import { backupSqliteFile, verifySqliteBackup } from '../../infrastructure/sqlite/onlineBackup.js';

const USAGE = 'Usage: npm run backup -- <file>\n'
  + '  Copies the embedded store (DATA_DIR/healthvision.sqlite) while the service runs, then opens the copy\n'
  + '  and checks every stream\'s hash chain. Restore: stop the service, copy the file to\n'
  + '  DATA_DIR/healthvision.sqlite (no -wal/-shm files beside it), start.';

async function main(): Promise<number> {
  const target = process.argv[2];
  if (!target || process.argv.length > 3 || target.startsWith('-')) {
    console.error(USAGE);
    return 64;
  }
  const config = configOrReport();
  if (!config) return EXIT_CONFIG;
  if (config.profile !== 'embedded') {
    console.error('The production profile keeps its events in EventStoreDB and its read models in MongoDB:\n'
      + 'back those up with their own tools (README, Operations → Backup and restore).');
    return 64;
  }
  const file = resolve(target);
  await backupSqliteFile(config.sqliteFile, file);
  const verdict = await verifySqliteBackup(file);
  if (verdict.broken.length > 0) {
    console.error(`Backup ${file} written, but ${verdict.broken.length} stream(s) fail their hash chain:`);
    for (const b of verdict.broken) console.error(`  ${b.streamId} from revision ${b.firstBrokenRevision}`);
    return 1;
  }
  console.log(`Backup ${file}: ${verdict.events} events in ${verdict.streams} streams, every hash chain verified.`);
  return 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error('Backup failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
