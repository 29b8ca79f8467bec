import { integrationEventOf, sourceEventTypes, subscribedTo } from '../../domain/integrations/integrationEvents.js';
import { deliveryDecider, deliveryStream, scheduleDelivery } from '../../domain/integrations/webhookDelivery.js';
import { DomainError } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import { deterministicId, handle } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { IntegrationsDeps } from './integrationsDeps.js';
import { WEBHOOK_ENDPOINTS, type EndpointDoc } from './webhooks.projection.js';

/** One delivery per (event, endpoint): the same id however often the event is seen. */
export const deliveryIdFor = (eventId: string, endpointId: string): string => deterministicId(`webhook:${eventId}`, endpointId, 0);

/**
 * The outbox: each domain event integrators may hear of becomes a delivery for every endpoint that
 * listened when it was recorded (registered before it, not removed before it). Waiting for the read
 * models to pass the event makes that list exact, whatever the order the runners go in.
 */
export function webhookOutboxReactor(deps: Pick<IntegrationsDeps, 'handler' | 'reads' | 'waitForProjections'>): Reactor {
  return {
    name: 'integrations-webhook-outbox',
    handles: sourceEventTypes,
    // Scheduling a delivery is idempotent by its derived id, so no receipts are needed.
    idempotent: true,
    async react(event) {
      const eventType = integrationEventOf(event.type);
      if (!eventType) return;
      if (!(await deps.waitForProjections(event.position))) {
        throw new DomainError('unavailable', 'projections_behind', 'The webhook endpoints are not projected up to this event yet.');
      }
      const endpoints = await deps.reads.find<EndpointDoc>(WEBHOOK_ENDPOINTS, { registeredPosition: { $lt: event.position } });
      const listening = endpoints.filter((e) => (e.removedPosition === null || e.removedPosition > event.position) && subscribedTo(e.events, eventType));
      for (const endpoint of listening) {
        const deliveryId = deliveryIdFor(event.metadata.eventId, endpoint.endpointId);
        const source = {
          eventId: event.metadata.eventId, streamId: event.streamId, revision: event.revision, position: event.position, occurredAt: event.metadata.recordedAt,
        };
        await handle(deps.handler, deliveryStream(deliveryId), deliveryDecider,
          (d) => scheduleDelivery(d, { deliveryId, endpointId: endpoint.endpointId, eventType, source, now: deps.handler.clock.now().toISOString() }),
          { actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId }, { newStream: true });
      }
    },
  };
}
