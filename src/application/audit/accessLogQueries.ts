import type { ReadView } from '../eventSourcing/projection.js';
import type { Filter } from '../ports/readStore.js';
import { ACCESS_LOG, type AccessLogDoc } from './accessLog.projection.js';

export type AccessLogEntry = Omit<AccessLogDoc, 'id' | 'patientId'> & { patientId: string };

export interface AccessLogQuery {
  patientId?: string;
  readerId?: string;
  /** Exclusive: entries recorded after this global position. */
  after?: number;
  limit?: number;
}

const MAX_PAGE = 200;

/** Who read whose records: a patient's own list and the auditors' query are this one query. */
export function accessLogQueries(reads: ReadView) {
  return {
    async accessLog(q: AccessLogQuery): Promise<{ items: AccessLogEntry[]; next: number | null }> {
      const limit = Math.min(q.limit ?? 50, MAX_PAGE);
      const filter: Filter = { position: { $gt: q.after ?? 0 } };
      if (q.patientId) filter.patientId = q.patientId;
      if (q.readerId) filter.readerId = q.readerId;
      const docs = await reads.find<AccessLogDoc>(ACCESS_LOG, filter, { sort: { position: 1 }, limit: limit + 1 });
      const page = docs.slice(0, limit).map(({ id: _id, ...entry }) => entry);
      return { items: page, next: docs.length > limit ? page[page.length - 1].position : null };
    },
  };
}

export type AccessLogQueries = ReturnType<typeof accessLogQueries>;
