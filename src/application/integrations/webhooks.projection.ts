import type { WebhookDeliveryEvent } from '../../domain/integrations/webhookDelivery.js';
import type { WebhookEndpointEvent } from '../../domain/integrations/webhookEndpoint.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Document, Write } from '../ports/readStore.js';

export const WEBHOOK_ENDPOINTS = 'webhook_endpoints';
export const WEBHOOK_DELIVERIES = 'webhook_deliveries';

export interface EndpointDoc extends Document {
  endpointId: string;
  url: string;
  events: string[];
  trusted: boolean;
  status: 'active' | 'removed';
  createdAt: string;
  removedAt: string | null;
  /** Global positions of registration and removal: the endpoint receives the events recorded in between. */
  registeredPosition: number;
  removedPosition: number | null;
}

export interface AttemptEntry {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  succeeded: boolean;
}

export interface DeliveryDoc extends Document {
  deliveryId: string;
  endpointId: string;
  eventType: string;
  eventId: string;
  occurredAt: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: AttemptEntry[];
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Endpoints and their delivery logs, for admins and for the outbox reactor that finds who listens. */
export const webhooksProjection: Projection = {
  name: 'webhooks',
  collections: [
    { name: WEBHOOK_ENDPOINTS, indexes: [{ fields: ['status'] }, { fields: ['registeredPosition'] }] },
    { name: WEBHOOK_DELIVERIES, indexes: [{ fields: ['endpointId', 'createdAt'] }, { fields: ['endpointId', 'status'] }] },
  ],
  handles: ['WebhookEndpointRegistered', 'WebhookEndpointRemoved', 'WebhookDeliveryScheduled', 'WebhookDeliveryAttempted', 'WebhookRedeliveryRequested'],
  async apply(recorded, read): Promise<Write[]> {
    const event = { type: recorded.type, data: recorded.data } as WebhookEndpointEvent | WebhookDeliveryEvent;
    const at = recorded.metadata.recordedAt;
    const endpoint = (id: string, set: Partial<EndpointDoc>): Write[] => [{ collection: WEBHOOK_ENDPOINTS, id, set }];
    const delivery = (id: string, set: Partial<DeliveryDoc>): Write[] => [{ collection: WEBHOOK_DELIVERIES, id, set: { ...set, updatedAt: at } }];
    switch (event.type) {
      case 'WebhookEndpointRegistered': {
        const { endpointId, url, events, trusted, registeredAt } = event.data;
        return endpoint(endpointId, {
          endpointId, url, events, trusted, status: 'active', createdAt: registeredAt, removedAt: null,
          registeredPosition: recorded.position, removedPosition: null,
        });
      }
      case 'WebhookEndpointRemoved':
        return endpoint(event.data.endpointId, { status: 'removed', removedAt: event.data.removedAt, removedPosition: recorded.position });
      case 'WebhookDeliveryScheduled': {
        const { deliveryId, endpointId, eventType, source, scheduledAt } = event.data;
        return delivery(deliveryId, {
          deliveryId, endpointId, eventType, eventId: source.eventId, occurredAt: source.occurredAt, status: 'pending',
          attempts: [], nextAttemptAt: scheduledAt, createdAt: scheduledAt,
        });
      }
      case 'WebhookDeliveryAttempted': {
        const { deliveryId, attempt, statusCode, error, succeeded, nextAttemptAt } = event.data;
        const doc = await read.get<DeliveryDoc>(WEBHOOK_DELIVERIES, deliveryId);
        const attempts = [...(doc?.attempts ?? []).filter((a) => a.attempt !== attempt), { attempt, at: event.data.at, statusCode, error, succeeded }];
        return delivery(deliveryId, { attempts, nextAttemptAt, status: succeeded ? 'succeeded' : nextAttemptAt ? 'pending' : 'failed' });
      }
      case 'WebhookRedeliveryRequested':
        return delivery(event.data.deliveryId, { status: 'pending', nextAttemptAt: event.data.requestedAt });
    }
  },
};
