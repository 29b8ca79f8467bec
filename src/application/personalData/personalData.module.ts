import type { ContextModule } from '../module.js';
import { erasePersonalData, type ErasureDeps } from './erasePersonalData.js';
import { exportPersonalData, type ExportDeps } from './exportPersonalData.js';

/** A person's rights over their data: a copy of all of it (export), and being forgotten (crypto-shredding). */
export function createPersonalDataModule(deps: ErasureDeps & ExportDeps) {
  return {
    erase: erasePersonalData(deps),
    export: exportPersonalData(deps),
  } satisfies ContextModule & Record<string, unknown>;
}

export type PersonalDataModule = ReturnType<typeof createPersonalDataModule>;
