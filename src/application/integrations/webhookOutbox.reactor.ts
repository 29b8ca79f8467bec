import { integrationEventOf, sourceEventTypes, subscribedTo } from '../../domain/integrations/integrationEvents.js';
import { deliveryDecider, deliveryStream, scheduleDelivery } from '../../domain/integrations/webhookDelivery.js';
import { DomainError } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import { deterministicId, handle } from '../eventSourcing/commandHandler.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { IntegrationsDeps } from './integrationsDeps.js';
import { WEBHOOK_ENDPOINTS, type EndpointDoc } from './webhooks.projection.js';

/** One delivery per (event, endpoint): the same id however often the event is seen. */
export const deliveryIdFor = (eventId: string, endpointId: string): string => deterministicId(`webhook:${eventId}`, endpointId, 0);

/**
 * The outbox: each domain event integrators may hear of becomes a delivery for every endpoint that
 * listened when it was recorded (registered before it, not removed before it). Waiting for the read
 * models to pass the event makes that list exact, whatever the order the runners go in; once they have
 * passed a run's last event, one look at the endpoints answers for every event of the run.
 */
export function webhookOutboxReactor(deps: Pick<IntegrationsDeps, 'handler' | 'reads' | 'waitForProjections'>): Reactor {
  async function deliver(events: RecordedEvent[]): Promise<void> {
    const heard = events.flatMap((event) => {
      const eventType = integrationEventOf(event.type);
      return eventType ? [{ event, eventType }] : [];
    });
    if (heard.length === 0) return;
    const last = Math.max(...heard.map(({ event }) => event.position));
    if (!(await deps.waitForProjections(last))) {
      throw new DomainError('unavailable', 'projections_behind', 'The webhook endpoints are not projected up to this event yet.');
    }
    const endpoints = await deps.reads.find<EndpointDoc>(WEBHOOK_ENDPOINTS, { registeredPosition: { $lt: last } });
    for (const { event, eventType } of heard) {
      const listening = endpoints.filter((e) => e.registeredPosition < event.position
        && (e.removedPosition === null || e.removedPosition > event.position) && subscribedTo(e.events, eventType));
      for (const endpoint of listening) {
        const deliveryId = deliveryIdFor(event.metadata.eventId, endpoint.endpointId);
        const source = {
          eventId: event.metadata.eventId, streamId: event.streamId, revision: event.revision, position: event.position, occurredAt: event.metadata.recordedAt,
        };
        await handle(deps.handler, deliveryStream(deliveryId), deliveryDecider,
          (d) => scheduleDelivery(d, { deliveryId, endpointId: endpoint.endpointId, eventType, source, now: deps.handler.clock.now().toISOString() }),
          { actor: systemActor, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId }, { newStream: true });
      }
    }
  }

  return {
    name: 'integrations-webhook-outbox',
    handles: sourceEventTypes,
    // Scheduling a delivery is idempotent by its derived id, so no receipts are needed.
    idempotent: true,
    react: (event) => deliver([event]),
    reactAll: deliver,
  };
}
