import { appointmentsPersonalData } from '../../domain/appointments/personalData.js';
import { identityPersonalData } from '../../domain/identity/personalData.js';
import { reportsPersonalData } from '../../domain/reports/personalData.js';
import type { PersonalDataRule } from '../../domain/shared/personalData.js';

/** Every context's table of personal fields: what the event store seals. A type listed twice is a mistake. */
export const personalDataRules: readonly PersonalDataRule[] = [
  ...identityPersonalData,
  ...appointmentsPersonalData,
  ...reportsPersonalData,
];
