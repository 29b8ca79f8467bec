import { Invalid, NotFound } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';
import type { IntegrationEventType } from './integrationEvents.js';

/**
 * One event on its way to one endpoint (`webhook-delivery-{id}`): an outbox entry whose every attempt
 * is recorded, so the delivery log is a projection and a retry schedule survives restarts. The body is
 * not recorded: it is rebuilt from the source event at each attempt, so no personal data is copied here.
 */
export interface DeliverySource {
  eventId: string;
  streamId: string;
  revision: number;
  position: number;
  occurredAt: string;
}

export type WebhookDeliveryEvent =
  | { type: 'WebhookDeliveryScheduled'; data: {
    deliveryId: string; endpointId: string; eventType: IntegrationEventType; source: DeliverySource; scheduledAt: string;
  } }
  | { type: 'WebhookDeliveryAttempted'; data: {
    deliveryId: string; attempt: number; at: string; statusCode: number | null; error: string | null; succeeded: boolean;
    /** When the next attempt is due; null once delivered or given up. */
    nextAttemptAt: string | null;
  } }
  /** `attempt` is the number the attempt it asks for will have. */
  | { type: 'WebhookRedeliveryRequested'; data: { deliveryId: string; attempt: number; requestedAt: string; requestedBy: string } };

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface ScheduledDelivery {
  deliveryId: string;
  endpointId: string;
  eventType: IntegrationEventType;
  source: DeliverySource;
  status: DeliveryStatus;
  /** Attempts so far, redeliveries included; the next one is number `attempts + 1`. */
  attempts: number;
  /** Attempts since the delivery was scheduled or last redelivered: the retry schedule starts over with a redelivery. */
  attemptsInRound: number;
  nextAttemptAt: string | null;
}

export type WebhookDelivery = { status: 'none' } | ScheduledDelivery;

export const initialDelivery: WebhookDelivery = { status: 'none' };

export const deliveryStream = (deliveryId: string): string => `webhook-delivery-${deliveryId}`;

export function evolve(state: WebhookDelivery, event: WebhookDeliveryEvent): WebhookDelivery {
  if (event.type === 'WebhookDeliveryScheduled') {
    const { deliveryId, endpointId, eventType, source, scheduledAt } = event.data;
    return { deliveryId, endpointId, eventType, source, status: 'pending', attempts: 0, attemptsInRound: 0, nextAttemptAt: scheduledAt };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'WebhookDeliveryAttempted': {
      const { attempt, succeeded, nextAttemptAt } = event.data;
      const status: DeliveryStatus = succeeded ? 'succeeded' : nextAttemptAt ? 'pending' : 'failed';
      return { ...state, status, attempts: attempt, attemptsInRound: state.attemptsInRound + 1, nextAttemptAt };
    }
    case 'WebhookRedeliveryRequested':
      return { ...state, status: 'pending', attemptsInRound: 0, nextAttemptAt: event.data.requestedAt };
  }
}

export const deliveryDecider: Decider<WebhookDelivery, WebhookDeliveryEvent> = { initialState: initialDelivery, evolve };

/**
 * Waits after each failed attempt: doubling from `baseMs`, the last one landing on the end of
 * `windowMs` after the first attempt, so a receiver that is down for up to the window still gets it.
 */
export function retryDelays(baseMs: number, windowMs: number): number[] {
  if (!(baseMs > 0) || !(windowMs >= baseMs)) throw new Invalid('invalid_retry_schedule', 'The retry base must be positive and within the window.');
  const delays: number[] = [];
  let elapsed = 0;
  for (let delay = baseMs; elapsed + delay <= windowMs; delay *= 2) {
    delays.push(delay);
    elapsed += delay;
  }
  if (elapsed < windowMs) delays.push(windowMs - elapsed);
  return delays;
}

export interface ScheduleDelivery {
  deliveryId: string;
  endpointId: string;
  eventType: IntegrationEventType;
  source: DeliverySource;
  now: string;
}

/** An event for an endpoint is scheduled once, however often the reactor sees it. */
export function scheduleDelivery(state: WebhookDelivery, cmd: ScheduleDelivery): WebhookDeliveryEvent[] {
  if (state.status !== 'none') return [];
  const { deliveryId, endpointId, eventType, source, now } = cmd;
  return [{ type: 'WebhookDeliveryScheduled', data: { deliveryId, endpointId, eventType, source, scheduledAt: now } }];
}

export interface RecordAttempt {
  deliveryId: string;
  attempt: number;
  at: string;
  /** The receiver's answer; null when none came (refused, timed out, unreachable). */
  statusCode: number | null;
  error: string | null;
  retryDelaysMs: readonly number[];
}

export const accepted = (statusCode: number | null): boolean => statusCode !== null && statusCode >= 200 && statusCode < 300;

/** Records an attempt and when the next is due. A stale attempt (done already, or not due) records nothing. */
export function recordAttempt(state: WebhookDelivery, cmd: RecordAttempt): WebhookDeliveryEvent[] {
  if (state.status !== 'pending' || cmd.attempt !== state.attempts + 1) return [];
  const succeeded = accepted(cmd.statusCode);
  const delay = succeeded ? undefined : cmd.retryDelaysMs[state.attemptsInRound];
  const nextAttemptAt = delay === undefined ? null : new Date(Date.parse(cmd.at) + delay).toISOString();
  const { deliveryId, attempt, at, statusCode, error } = cmd;
  return [{ type: 'WebhookDeliveryAttempted', data: { deliveryId, attempt, at, statusCode, error, succeeded, nextAttemptAt } }];
}

/** An admin sends it again now, delivered or not; the retry schedule starts over. */
export function requestRedelivery(state: WebhookDelivery, cmd: { deliveryId: string; now: string; by: string }): WebhookDeliveryEvent[] {
  if (state.status === 'none') throw new NotFound('Webhook delivery', cmd.deliveryId);
  return [{ type: 'WebhookRedeliveryRequested', data: { deliveryId: cmd.deliveryId, attempt: state.attempts + 1, requestedAt: cmd.now, requestedBy: cmd.by } }];
}
