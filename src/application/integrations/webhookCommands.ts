import { deliveryDecider, deliveryStream, requestRedelivery } from '../../domain/integrations/webhookDelivery.js';
import { endpointDecider, endpointStream, registerEndpoint, removeEndpoint } from '../../domain/integrations/webhookEndpoint.js';
import { Invalid, NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { IntegrationsDeps } from './integrationsDeps.js';
import { loadDelivery, loadEndpoint } from './integrationStreams.js';

export interface RegisterEndpointRequest {
  url: string;
  events: string[];
  trusted: boolean;
}

/** Registering, removing and redelivering: what admins do with endpoints. */
export function webhookCommands(deps: Pick<IntegrationsDeps, 'handler' | 'addresses' | 'secrets'>) {
  const now = () => deps.handler.clock.now().toISOString();
  return {
    /** Answers the new endpoint's secret: it is shown this once. */
    async registerEndpoint(req: RegisterEndpointRequest, ctx: CommandContext) {
      const refused = await deps.addresses.refusal(new URL(req.url));
      if (refused) throw new Invalid('endpoint_address_refused', `Webhooks cannot be sent to ${req.url}: ${refused}.`);
      const endpointId = deps.handler.ids.next();
      const secretRef = deps.secrets.newReference();
      const done = await handle(deps.handler, endpointStream(endpointId), endpointDecider,
        (e) => registerEndpoint(e, { endpointId, ...req, secretRef, now: now(), by: ctx.actor.userId }), ctx, { newStream: true });
      return { endpointId, secret: deps.secrets.secretFor(endpointId, secretRef), position: done.position };
    },

    async removeEndpoint(endpointId: string, ctx: CommandContext) {
      const done = await handle(deps.handler, endpointStream(endpointId), endpointDecider,
        (e) => removeEndpoint(e, { endpointId, now: now(), by: ctx.actor.userId }), ctx);
      return { position: done.position };
    },

    /** Sends a delivery of an active endpoint again, now; the same delivery id tells the receiver it is a repeat. */
    async redeliver(endpointId: string, deliveryId: string, ctx: CommandContext) {
      const [endpoint, { delivery, history }] = await Promise.all([loadEndpoint(deps.handler.events, endpointId), loadDelivery(deps.handler.events, deliveryId)]);
      if (endpoint.status !== 'active') throw new NotFound('Webhook endpoint', endpointId);
      if (delivery.status === 'none' || delivery.endpointId !== endpointId) throw new NotFound('Webhook delivery', deliveryId);
      const done = await handle(deps.handler, deliveryStream(deliveryId), deliveryDecider,
        (d) => requestRedelivery(d, { deliveryId, now: now(), by: ctx.actor.userId }), ctx, { history });
      return { position: done.position };
    },
  };
}
