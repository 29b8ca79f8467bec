import { Conflict, Invalid, NotFound } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';
import { subscriptionPatterns } from './integrationEvents.js';

/**
 * An integrator's endpoint (`webhook-endpoint-{id}`): where to send which events, and whether it may
 * receive personal health data. Its signing secret is never recorded: the event holds only the
 * reference the secret is derived from (see the WebhookSecrets port), so the log leaks no secret.
 */
export type WebhookEndpointEvent =
  | { type: 'WebhookEndpointRegistered'; data: {
    endpointId: string; url: string; events: string[]; trusted: boolean; secretRef: string; registeredAt: string; registeredBy: string;
  } }
  | { type: 'WebhookEndpointRemoved'; data: { endpointId: string; removedAt: string; removedBy: string } };

export interface RegisteredEndpoint {
  endpointId: string;
  url: string;
  events: string[];
  trusted: boolean;
  secretRef: string;
}

export type WebhookEndpoint =
  | { status: 'none' }
  | (RegisteredEndpoint & { status: 'active' | 'removed' });

export const initialEndpoint: WebhookEndpoint = { status: 'none' };

export const endpointStream = (endpointId: string): string => `webhook-endpoint-${endpointId}`;

export function evolve(state: WebhookEndpoint, event: WebhookEndpointEvent): WebhookEndpoint {
  switch (event.type) {
    case 'WebhookEndpointRegistered': {
      const { endpointId, url, events, trusted, secretRef } = event.data;
      return { status: 'active', endpointId, url, events, trusted, secretRef };
    }
    case 'WebhookEndpointRemoved':
      return state.status === 'none' ? state : { ...state, status: 'removed' };
  }
}

export const endpointDecider: Decider<WebhookEndpoint, WebhookEndpointEvent> = { initialState: initialEndpoint, evolve };

export interface RegisterEndpoint {
  endpointId: string;
  url: string;
  events: string[];
  trusted: boolean;
  secretRef: string;
  now: string;
  by: string;
}

export function registerEndpoint(state: WebhookEndpoint, cmd: RegisterEndpoint): WebhookEndpointEvent[] {
  if (state.status !== 'none') throw new Conflict('endpoint_exists', `Webhook endpoint ${cmd.endpointId} already exists.`);
  const unknown = cmd.events.filter((e) => !subscriptionPatterns.includes(e));
  if (cmd.events.length === 0 || unknown.length > 0) {
    throw new Invalid('invalid_subscription', `Subscribe to at least one of: ${subscriptionPatterns.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}.`);
  }
  const { endpointId, url, trusted, secretRef, now, by } = cmd;
  return [{ type: 'WebhookEndpointRegistered', data: { endpointId, url, events: [...new Set(cmd.events)], trusted, secretRef, registeredAt: now, registeredBy: by } }];
}

/** A removed endpoint reads as absent, as if it never existed; its deliveries stop. */
export function removeEndpoint(state: WebhookEndpoint, cmd: { endpointId: string; now: string; by: string }): WebhookEndpointEvent[] {
  if (state.status !== 'active') throw new NotFound('Webhook endpoint', cmd.endpointId);
  return [{ type: 'WebhookEndpointRemoved', data: { endpointId: cmd.endpointId, removedAt: cmd.now, removedBy: cmd.by } }];
}
