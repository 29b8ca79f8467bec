import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { ContextModule } from '../module.js';
import { accessRecorder } from './accessLog.js';
import { accessLogProjection } from './accessLog.projection.js';
import { accessLogQueries } from './accessLogQueries.js';
import { auditQueries } from './auditQueries.js';
import { caseFiles } from './caseFiles.js';
import type { LedgerQueries } from './ledger.js';

/** What auditors read: histories and replays, case files with ledger proofs, and who read whose records. */
export function createAuditModule(deps: {
  handler: HandlerDeps; reads: ReadView; ledger: Pick<LedgerQueries, 'latestHead' | 'inclusionProof'>; sign(message: Uint8Array): string;
}) {
  const recordAccess = accessRecorder(deps.handler);
  const { events, clock } = deps.handler;
  return {
    ...auditQueries(events, recordAccess),
    ...caseFiles({ events, reads: deps.reads, clock, ledger: deps.ledger, sign: deps.sign, recordAccess }),
    ...accessLogQueries(deps.reads),
    projections: [accessLogProjection],
  } satisfies ContextModule & Record<string, unknown>;
}

export type AuditModule = ReturnType<typeof createAuditModule>;
