import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLeases } from '../../src/infrastructure/leases/sqliteLeases.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { leasesContract } from './leases.contract.js';

leasesContract('SQLite (two connections to one file, as two processes)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-leases-'));
  const [one, two] = [openDatabase(join(dir, 'hv.sqlite'), 'normal'), openDatabase(join(dir, 'hv.sqlite'), 'normal')];
  const [a, b] = [new SqliteLeases(one, clock), new SqliteLeases(two, clock)];
  // Alternate connections, so each decision is seen by the other "process" through the file.
  let turn = 0;
  const pick = () => ((turn += 1) % 2 === 0 ? a : b);
  return {
    leases: {
      acquire: (name, owner, ttl) => pick().acquire(name, owner, ttl),
      release: (name, owner) => pick().release(name, owner),
      holder: (name) => pick().holder(name),
    },
    cleanup: async () => {
      one.close();
      two.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
