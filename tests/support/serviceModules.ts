import type { ContextModule } from '../../src/application/module.js';
import type { Services } from '../../src/infrastructure/compositionRoot.js';

/** Every bounded context of a built service, with the projections, reactors and jobs it contributes. */
export function contextModules(services: Services): ContextModule[] {
  const { identity, scheduling, appointments, payments, wallet, reports, consultations, integrations } = services;
  return [identity, scheduling, appointments, payments, wallet, reports, consultations, integrations];
}
