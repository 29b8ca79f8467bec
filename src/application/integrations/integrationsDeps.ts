import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { EndpointAddressPolicy, WebhookTransport } from '../ports/webhookTransport.js';
import type { WebhookSecrets } from '../ports/webhookSecrets.js';

export interface IntegrationsDeps {
  handler: HandlerDeps;
  reads: ReadView;
  scheduler: Scheduler;
  transport: WebhookTransport;
  addresses: EndpointAddressPolicy;
  secrets: WebhookSecrets;
  /** Waits after each failed delivery attempt (see `retryDelays`). */
  retryDelaysMs: readonly number[];
  /** Read-your-writes: resolves true once every read model has passed `position`. */
  waitForProjections(position: number): Promise<boolean>;
  log: { error(obj: object, msg: string): void };
}
