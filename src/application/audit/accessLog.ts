import { accessLogStream, recordAccess, type AccessedRecord } from '../../domain/audit/accessLog.js';
import type { Actor } from '../../domain/shared/event.js';
import { deterministicId, type HandlerDeps } from '../eventSourcing/commandHandler.js';
import { schemaVersionOf } from '../eventSourcing/schemaVersions.js';

/** The one request a read belongs to: its id makes the read's record idempotent. */
export interface ReadRequest {
  requestId: string;
}

export interface AccessedRead {
  reader: Actor;
  patientId: string;
  record: AccessedRecord;
}

/** Records that someone read a patient's record; a no-op for the patient's own reads. */
export type RecordAccess = (read: AccessedRead, request: ReadRequest) => Promise<void>;

/**
 * Appends RecordAccessed to the patient's access log. The decision depends on no stream state, so the
 * append expects `any` revision and needs no read: concurrent reads of one patient's records never
 * conflict. The event id derives from (request, reader, record), and the store answers a re-append of
 * known ids with the first result, so a retried request is recorded once.
 */
export function accessRecorder(deps: HandlerDeps): RecordAccess {
  return async (read, request) => {
    const events = recordAccess({ ...read, requestId: request.requestId });
    if (events.length === 0) return;
    const stream = accessLogStream(read.patientId);
    const key = `access\u0000${request.requestId}\u0000${read.reader.userId}\u0000${read.record.kind}\u0000${read.record.id}`;
    await deps.events.append(stream, events.map((event, index) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: deterministicId(key, stream, index),
        actor: read.reader,
        correlationId: request.requestId,
        causationId: null,
        recordedAt: deps.clock.now().toISOString(),
        schemaVersion: schemaVersionOf(event.type),
      },
    })), 'any');
  };
}
