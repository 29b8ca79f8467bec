import { NotFound } from '../../domain/shared/errors.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Filter } from '../ports/readStore.js';
import { WEBHOOK_DELIVERIES, WEBHOOK_ENDPOINTS, type DeliveryDoc, type EndpointDoc } from './webhooks.projection.js';

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  trusted: boolean;
  createdAt: string;
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventType: string;
  eventId: string;
  occurredAt: string;
  status: DeliveryDoc['status'];
  attempts: DeliveryDoc['attempts'];
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const endpointView = (doc: EndpointDoc): EndpointView => ({ id: doc.endpointId, url: doc.url, events: doc.events, trusted: doc.trusted, createdAt: doc.createdAt });

const deliveryView = (doc: DeliveryDoc): DeliveryView => ({
  id: doc.deliveryId, endpointId: doc.endpointId, eventType: doc.eventType, eventId: doc.eventId, occurredAt: doc.occurredAt,
  status: doc.status, attempts: doc.attempts, nextAttemptAt: doc.nextAttemptAt, createdAt: doc.createdAt, updatedAt: doc.updatedAt,
});

/** Active endpoints and their delivery logs; a removed endpoint reads as absent. */
export function webhookQueries(reads: ReadView) {
  const activeEndpoint = async (endpointId: string): Promise<EndpointDoc> => {
    const doc = await reads.get<EndpointDoc>(WEBHOOK_ENDPOINTS, endpointId);
    if (!doc || doc.status !== 'active') throw new NotFound('Webhook endpoint', endpointId);
    return doc;
  };
  return {
    async endpoints(): Promise<EndpointView[]> {
      return (await reads.find<EndpointDoc>(WEBHOOK_ENDPOINTS, { status: 'active' }, { sort: { createdAt: 1 } })).map(endpointView);
    },
    async endpoint(endpointId: string): Promise<EndpointView> {
      return endpointView(await activeEndpoint(endpointId));
    },
    /** Newest first. */
    async deliveries(endpointId: string, query: { status?: DeliveryDoc['status']; page: number; limit: number }) {
      await activeEndpoint(endpointId);
      const filter: Filter = { endpointId, ...(query.status ? { status: query.status } : {}) };
      const [docs, total] = await Promise.all([
        reads.find<DeliveryDoc>(WEBHOOK_DELIVERIES, filter, { sort: { createdAt: -1 }, skip: (query.page - 1) * query.limit, limit: query.limit }),
        reads.count(WEBHOOK_DELIVERIES, filter),
      ]);
      return { items: docs.map(deliveryView), page: query.page, total };
    },
    async delivery(endpointId: string, deliveryId: string): Promise<DeliveryView> {
      const doc = await reads.get<DeliveryDoc>(WEBHOOK_DELIVERIES, deliveryId);
      if (!doc || doc.endpointId !== endpointId) throw new NotFound('Webhook delivery', deliveryId);
      return deliveryView(doc);
    },
  };
}
