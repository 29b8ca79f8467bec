import { deliveryDecider, deliveryStream, type WebhookDelivery, type WebhookDeliveryEvent } from '../../domain/integrations/webhookDelivery.js';
import { endpointDecider, endpointStream, type WebhookEndpoint, type WebhookEndpointEvent } from '../../domain/integrations/webhookEndpoint.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';

export async function loadEndpoint(events: EventStore, endpointId: string): Promise<WebhookEndpoint> {
  const history = await events.readStream(endpointStream(endpointId));
  return history.reduce((s, e) => endpointDecider.evolve(s, e as unknown as WebhookEndpointEvent), endpointDecider.initialState);
}

/** The delivery and the history it was folded from (the attempt's append reuses it). */
export async function loadDelivery(events: EventStore, deliveryId: string): Promise<{ delivery: WebhookDelivery; history: RecordedEvent[] }> {
  const history = await events.readStream(deliveryStream(deliveryId));
  const delivery = history.reduce((s, e) => deliveryDecider.evolve(s, e as unknown as WebhookDeliveryEvent), deliveryDecider.initialState);
  return { delivery, history };
}
