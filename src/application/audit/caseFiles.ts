import { Conflict, DomainError } from '../../domain/shared/errors.js';
import type { Actor } from '../../domain/shared/event.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { ReadRequest, RecordAccess } from './accessLog.js';
import { buildBundle, provesInclusion, type CaseBundle } from './caseBundle.js';
import { caseEvents } from './caseFileEvents.js';
import { type InclusionProof, type LedgerQueries, type SignedTreeHead } from './ledger.js';

export interface CaseFileEntry {
  streamId: string;
  revision: number;
  position: number;
  type: string;
  data: unknown;
  eventId: string;
  actor: Actor;
  at: string;
  correlationId: string;
  causationId: string | null;
  /** The event in this case file that caused this one, when it is here. */
  causedBy: { streamId: string; revision: number; type: string } | null;
  hash: string;
  inclusion: InclusionProof | null;
  /** Whether the inclusion proof leads to the signed head's root; null when the event is newer than the head. */
  included: boolean | null;
}

export interface CaseFile {
  appointmentId: string;
  patientId: string;
  head: SignedTreeHead | null;
  /** `verified`: every event proven in the signed tree; `pending`: some are newer than the head; `broken`: a proof fails. */
  status: 'verified' | 'pending' | 'broken';
  streams: string[];
  events: CaseFileEntry[];
}

export interface CaseFileDeps {
  events: EventStore;
  reads: ReadView;
  clock: Clock;
  ledger: Pick<LedgerQueries, 'latestHead' | 'inclusionProof'>;
  /** The ledger key's signature over the bundle's manifest. */
  sign(message: Uint8Array): string;
  recordAccess: RecordAccess;
}

/** An appointment's case file across the streams it touched, with proofs against the latest signed head. */
export function caseFiles(deps: CaseFileDeps) {
  /** Inclusion proofs by position; events the head does not cover yet have none. */
  async function inclusionProofs(events: readonly RecordedEvent[], head: SignedTreeHead | null): Promise<Map<number, InclusionProof>> {
    const proofs = new Map<number, InclusionProof>();
    if (!head) return proofs;
    for (const e of events) {
      try {
        proofs.set(e.position, await deps.ledger.inclusionProof(e.position, head.size));
      } catch (error) {
        // Not in the ledger yet, or outside the head's tree: newer than the head.
        if (!(error instanceof DomainError) || (error.kind !== 'not_found' && error.kind !== 'invalid')) throw error;
      }
    }
    return proofs;
  }

  /** A bundle needs a signed head; a read refused for want of one is no read, so it is not recorded. */
  async function collect(appointmentId: string, reader: Actor, read: ReadRequest, options: { raw: boolean; needsHead: boolean }) {
    const found = await caseEvents(deps, appointmentId, options.raw);
    const head = await deps.ledger.latestHead();
    if (!head && options.needsHead) throw new Conflict('no_signed_head', 'The ledger has not signed a tree head yet; try again after the next checkpoint.');
    await deps.recordAccess({ reader, patientId: found.patientId, record: { kind: 'case_file', id: appointmentId } }, read);
    return { ...found, head, proofs: await inclusionProofs(found.events, head) };
  }

  return {
    async caseFile(appointmentId: string, reader: Actor, read: ReadRequest): Promise<CaseFile> {
      const { patientId, events, head, proofs } = await collect(appointmentId, reader, read, { raw: false, needsHead: false });
      const byId = new Map(events.map((e) => [e.metadata.eventId, e]));
      const entries = events.map((e): CaseFileEntry => {
        const cause = e.metadata.causationId ? byId.get(e.metadata.causationId) : undefined;
        const inclusion = proofs.get(e.position) ?? null;
        return {
          streamId: e.streamId, revision: e.revision, position: e.position, type: e.type, data: e.data,
          eventId: e.metadata.eventId, actor: e.metadata.actor, at: e.metadata.recordedAt,
          correlationId: e.metadata.correlationId, causationId: e.metadata.causationId,
          causedBy: cause ? { streamId: cause.streamId, revision: cause.revision, type: cause.type } : null,
          hash: e.metadata.hash, inclusion,
          included: inclusion && head ? provesInclusion({ ...e, hash: e.metadata.hash }, inclusion, head) : null,
        };
      });
      const status = entries.some((e) => e.included === false) ? 'broken' : entries.some((e) => e.included === null) ? 'pending' : 'verified';
      return { appointmentId, patientId, head, status, streams: [...new Set(events.map((e) => e.streamId))], events: entries };
    },

    /** The self-contained bundle (events as stored); refused until the ledger has signed a head. */
    async bundle(appointmentId: string, reader: Actor, read: ReadRequest): Promise<CaseBundle> {
      const { events, previousHashes, head, proofs } = await collect(appointmentId, reader, read, { raw: true, needsHead: true });
      return buildBundle({
        appointmentId, generatedAt: deps.clock.now().toISOString(), head: head!, events, previousHashes, inclusions: proofs, sign: deps.sign,
      });
    },
  };
}

export type CaseFiles = ReturnType<typeof caseFiles>;
