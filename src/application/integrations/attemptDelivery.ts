import { deliveryDecider, deliveryStream, recordAttempt } from '../../domain/integrations/webhookDelivery.js';
import { systemActor } from '../../domain/shared/event.js';
import { handle } from '../eventSourcing/commandHandler.js';
import type { JobHandler } from '../ports/scheduler.js';
import type { IntegrationsDeps } from './integrationsDeps.js';
import { loadDelivery, loadEndpoint } from './integrationStreams.js';
import { webhookBody } from './webhookPayloads.js';
import { webhookHeaders } from './webhookSignature.js';

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * One attempt of one delivery: sign, POST, record the answer (which schedules the next attempt if
 * it failed). A job for an attempt already made, or for a removed endpoint, does nothing. A crash
 * after the POST and before the record repeats the POST under the same delivery id, for receivers
 * to drop.
 */
export function attemptDelivery(deps: Pick<IntegrationsDeps, 'handler' | 'reads' | 'transport' | 'secrets' | 'retryDelaysMs'>): JobHandler {
  const { events, clock } = deps.handler;
  return async (data) => {
    const deliveryId = String(data.deliveryId);
    const attempt = Number(data.attempt);
    const { delivery, history } = await loadDelivery(events, deliveryId);
    if (delivery.status !== 'pending' || attempt !== delivery.attempts + 1) return;
    const endpoint = await loadEndpoint(events, delivery.endpointId);
    if (endpoint.status !== 'active') return;

    const body = await webhookBody({ events, reads: deps.reads }, delivery, endpoint.trusted);
    const at = clock.now();
    const headers = webhookHeaders({ secret: deps.secrets.secretFor(endpoint.endpointId, endpoint.secretRef), deliveryId, eventType: delivery.eventType, body, at });
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      statusCode = (await deps.transport.post(endpoint.url, body, headers)).status;
    } catch (e) {
      error = reasonOf(e);
    }
    await handle(deps.handler, deliveryStream(deliveryId), deliveryDecider,
      (d) => recordAttempt(d, { deliveryId, attempt, at: at.toISOString(), statusCode, error, retryDelaysMs: deps.retryDelaysMs }),
      { actor: systemActor, correlationId: `webhook-delivery:${deliveryId}` }, { history });
  };
}
