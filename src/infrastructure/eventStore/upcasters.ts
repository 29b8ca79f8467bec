import type { Upcaster } from '../../application/eventSourcing/upcasting.js';

/** Every upcaster in the service, applied on read by whichever event store is configured. */
export const upcasters: Upcaster[] = [];
