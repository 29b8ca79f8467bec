import type { Services } from '../compositionRoot.js';
import { seedIdentity } from './identitySeed.js';
import { seedSlots } from './schedulingSeed.js';
import { seedWallet } from './walletSeed.js';

export interface SeedReport {
  /** Lines worth printing at start-up (accounts and passwords, in development only). */
  lines: string[];
}

/**
 * Demo data for the embedded profile, written through the same commands a client would send, and
 * only into an empty store. Each context adds its part in order (identity first).
 */
export async function seedDemo(services: Services): Promise<SeedReport> {
  const report: SeedReport = { lines: [] };
  if ((await services.events.headPosition()) > 0) return report;
  // ---- seed parts: each context adds its step below ----
  // `people` (admin, auditor, doctors, patient with their user ids) is for the parts below.
  const people = await seedIdentity(services, report.lines);
  await seedSlots(services, people.doctors, report.lines);
  await seedWallet(services, people.patient, report.lines);

  // ---- end of seed parts ----
  return report;
}
