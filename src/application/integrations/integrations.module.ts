import type { ContextModule } from '../module.js';
import { attemptDelivery } from './attemptDelivery.js';
import { deliveryTimerReactor, WEBHOOK_DELIVERY_JOB } from './deliveryTimer.reactor.js';
import type { IntegrationsDeps } from './integrationsDeps.js';
import { liveStatusFeed } from './liveStatus.js';
import { webhookCommands } from './webhookCommands.js';
import { webhookOutboxReactor } from './webhookOutbox.reactor.js';
import { webhookQueries } from './webhookQueries.js';
import { webhooksProjection } from './webhooks.projection.js';

/**
 * What goes out of the service as things change: signed webhooks to integrators' endpoints (an
 * event-driven outbox with retries and a delivery log) and live status to signed-in users' sockets.
 */
export function createIntegrationsModule(deps: IntegrationsDeps) {
  return {
    ...webhookCommands(deps),
    webhooks: webhookQueries(deps.reads),
    liveStatus: liveStatusFeed({ events: deps.handler.events, reads: deps.reads, waitForProjections: deps.waitForProjections, log: deps.log }),
    projections: [webhooksProjection],
    reactors: [webhookOutboxReactor(deps), deliveryTimerReactor(deps.scheduler)],
    jobs: [{
      name: WEBHOOK_DELIVERY_JOB,
      handler: attemptDelivery(deps),
      // The receiver's failures are recorded and retried on the delivery's own schedule; these attempts
      // cover the store failing while an attempt is recorded.
      options: { attempts: 5, backoffMs: 1000 },
    }],
  } satisfies ContextModule & Record<string, unknown>;
}

export type IntegrationsModule = ReturnType<typeof createIntegrationsModule>;
