import { describe, expect, it } from '@jest/globals';
import {
  evolve, initialEndpoint, registerEndpoint, removeEndpoint, type RegisterEndpoint, type WebhookEndpoint, type WebhookEndpointEvent,
} from '../../../src/domain/integrations/webhookEndpoint.js';
import { Conflict, Invalid, NotFound } from '../../../src/domain/shared/errors.js';

const now = '2030-01-07T03:30:00.000Z';
const register = (over: Partial<RegisterEndpoint> = {}): RegisterEndpoint => ({
  endpointId: 'ep-1', url: 'https://crm.example/hooks', events: ['appointment.*'], trusted: false, secretRef: 'ref-1', now, by: 'admin-1', ...over,
});
const registered = (events: string[] = ['appointment.*'], trusted = false): WebhookEndpointEvent => ({
  type: 'WebhookEndpointRegistered',
  data: { endpointId: 'ep-1', url: 'https://crm.example/hooks', events, trusted, secretRef: 'ref-1', registeredAt: now, registeredBy: 'admin-1' },
});
const removed: WebhookEndpointEvent = { type: 'WebhookEndpointRemoved', data: { endpointId: 'ep-1', removedAt: now, removedBy: 'admin-1' } };
const given = (events: WebhookEndpointEvent[]): WebhookEndpoint => events.reduce(evolve, initialEndpoint);
const remove = { endpointId: 'ep-1', now, by: 'admin-1' };

describe('registering a webhook endpoint', () => {
  it.each([
    ['a topic', register(), [registered()]],
    ['exact types and a topic, repeats dropped', register({ events: ['payment.*', 'appointment.confirmed', 'payment.*'] }), [registered(['payment.*', 'appointment.confirmed'])]],
    ['a trusted endpoint for analyses', register({ events: ['report.analyzed'], trusted: true }), [registered(['report.analyzed'], true)]],
  ])('records %s', (_, when, then) => expect(registerEndpoint(given([]), when)).toEqual(then));

  it.each([
    ['nothing', []],
    ['an unknown type', ['appointment.booked']],
    ['a wildcard for everything', ['*']],
  ])('refuses a subscription to %s', (_, events) => expect(() => registerEndpoint(given([]), register({ events }))).toThrow(Invalid));

  it.each([
    ['an active endpoint', [registered()]],
    ['a removed one', [registered(), removed]],
  ])('refuses to register over %s', (_, history) => expect(() => registerEndpoint(given(history), register())).toThrow(Conflict));
});

describe('removing a webhook endpoint', () => {
  it('records the removal of an active endpoint', () => expect(removeEndpoint(given([registered()]), remove)).toEqual([removed]));

  it.each([
    ['one never registered', []],
    ['one already removed', [registered(), removed]],
  ])('answers not found for %s', (_, history) => expect(() => removeEndpoint(given(history), remove)).toThrow(NotFound));
});
