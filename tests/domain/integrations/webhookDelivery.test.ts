import { describe, expect, it } from '@jest/globals';
import {
  evolve, initialDelivery, recordAttempt, requestRedelivery, retryDelays, scheduleDelivery,
  type WebhookDelivery, type WebhookDeliveryEvent,
} from '../../../src/domain/integrations/webhookDelivery.js';
import { subscribedTo } from '../../../src/domain/integrations/integrationEvents.js';
import { NotFound } from '../../../src/domain/shared/errors.js';

const t0 = '2030-01-07T03:30:00.000Z';
const plus = (ms: number) => new Date(Date.parse(t0) + ms).toISOString();
const delays = [60_000, 120_000];
const source = { eventId: 'evt-1', streamId: 'appointment-a1', revision: 1, position: 42, occurredAt: t0 };
const schedule = { deliveryId: 'd-1', endpointId: 'ep-1', eventType: 'appointment.confirmed' as const, source, now: t0 };
const scheduled: WebhookDeliveryEvent = {
  type: 'WebhookDeliveryScheduled', data: { deliveryId: 'd-1', endpointId: 'ep-1', eventType: 'appointment.confirmed', source, scheduledAt: t0 },
};
const attempted = (attempt: number, at: string, statusCode: number | null, nextAttemptAt: string | null): WebhookDeliveryEvent => ({
  type: 'WebhookDeliveryAttempted',
  data: {
    deliveryId: 'd-1', attempt, at, statusCode, error: statusCode === null ? 'not reached: ECONNREFUSED' : null,
    succeeded: statusCode !== null && statusCode < 300, nextAttemptAt,
  },
});
const redelivery = (attempt: number, at: string): WebhookDeliveryEvent => ({
  type: 'WebhookRedeliveryRequested', data: { deliveryId: 'd-1', attempt, requestedAt: at, requestedBy: 'admin-1' },
});
const attempt = (n: number, at: string, statusCode: number | null) => ({
  deliveryId: 'd-1', attempt: n, at, statusCode, error: statusCode === null ? 'not reached: ECONNREFUSED' : null, retryDelaysMs: delays,
});
const given = (events: WebhookDeliveryEvent[]): WebhookDelivery => events.reduce(evolve, initialDelivery);

describe('the retry schedule', () => {
  it.each([
    ['doubles from the base and ends on the window', 60, 600, [60, 120, 240, 180]],
    ['fits exactly when the doublings fill the window', 60, 420, [60, 120, 240]],
    ['is a single wait when the window is the base', 60, 60, [60]],
  ])('%s', (_, base, window, expected) => expect(retryDelays(base * 1000, window * 1000)).toEqual(expected.map((s) => s * 1000)));

  it('spans 24 hours by default, the waits growing', () => {
    const day = retryDelays(60_000, 86_400_000);
    expect(day.reduce((a, b) => a + b, 0)).toBe(86_400_000);
    expect(day.slice(0, 4)).toEqual([60_000, 120_000, 240_000, 480_000]);
  });
});

describe('scheduling a delivery', () => {
  it.each([
    ['a new delivery', [], [scheduled]],
    ['one already scheduled (a replayed event)', [scheduled], []],
  ])('%s', (_, history, then) => expect(scheduleDelivery(given(history), schedule)).toEqual(then));
});

describe('recording an attempt', () => {
  it.each([
    ['a 2xx delivers', [scheduled], attempt(1, t0, 204), [attempted(1, t0, 204, null)]],
    ['a 500 waits the first delay', [scheduled], attempt(1, t0, 500), [attempted(1, t0, 500, plus(60_000))]],
    ['no answer waits too', [scheduled], attempt(1, t0, null), [attempted(1, t0, null, plus(60_000))]],
    ['a redirect is a failure', [scheduled], attempt(1, t0, 302), [attempted(1, t0, 302, plus(60_000))]],
    ['the second failure waits the second delay',
      [scheduled, attempted(1, t0, 500, plus(60_000))], attempt(2, plus(60_000), 503), [attempted(2, plus(60_000), 503, plus(180_000))]],
    ['the last failure gives up',
      [scheduled, attempted(1, t0, 500, plus(60_000)), attempted(2, plus(60_000), 500, plus(180_000))], attempt(3, plus(180_000), 500),
      [attempted(3, plus(180_000), 500, null)]],
    ['after a redelivery the schedule starts over',
      [scheduled, attempted(1, t0, 500, plus(60_000)), attempted(2, plus(60_000), 500, plus(180_000)), attempted(3, plus(180_000), 500, null),
        redelivery(4, plus(999_000))], attempt(4, plus(999_000), 500), [attempted(4, plus(999_000), 500, plus(1_059_000))]],
  ])('%s', (_, history, when, then) => expect(recordAttempt(given(history), when)).toEqual(then));

  it.each([
    ['a delivery never scheduled', [], attempt(1, t0, 200)],
    ['an attempt already recorded (a job run twice)', [scheduled, attempted(1, t0, 500, plus(60_000))], attempt(1, plus(1), 200)],
    ['an attempt ahead of its turn', [scheduled], attempt(2, t0, 200)],
    ['a delivered one', [scheduled, attempted(1, t0, 200, null)], attempt(2, plus(1), 200)],
    ['one given up', [scheduled, attempted(1, t0, 500, plus(60_000)), attempted(2, plus(60_000), 500, plus(180_000)), attempted(3, plus(180_000), 500, null)],
      attempt(4, plus(999_000), 200)],
    ['a retry a redelivery replaced', [scheduled, attempted(1, t0, 500, plus(60_000)), redelivery(2, plus(1)), attempted(2, plus(1), 200, null)],
      attempt(2, plus(60_000), 200)],
  ])('records nothing for %s', (_, history, when) => expect(recordAttempt(given(history), when)).toEqual([]));
});

describe('redelivering', () => {
  it.each([
    ['a delivered one, as the next attempt', [scheduled, attempted(1, t0, 200, null)], [redelivery(2, plus(5))]],
    ['one waiting for a retry', [scheduled, attempted(1, t0, 500, plus(60_000))], [redelivery(2, plus(5))]],
    ['one not yet tried', [scheduled], [redelivery(1, plus(5))]],
  ])('is asked for %s', (_, history, then) => expect(requestRedelivery(given(history), { deliveryId: 'd-1', now: plus(5), by: 'admin-1' })).toEqual(then));

  it('answers not found for an unknown delivery', () => {
    expect(() => requestRedelivery(given([]), { deliveryId: 'd-1', now: t0, by: 'admin-1' })).toThrow(NotFound);
  });

  it('makes the delivery pending again, due at once', () => {
    expect(given([scheduled, attempted(1, t0, 200, null), redelivery(2, plus(5))])).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: plus(5) });
  });
});

describe('subscriptions', () => {
  it.each([
    [['appointment.*'], 'appointment.confirmed', true],
    [['appointment.confirmed'], 'appointment.confirmed', true],
    [['appointment.confirmed'], 'appointment.cancelled', false],
    [['payment.*'], 'appointment.confirmed', false],
    [['report.analyzed', 'payment.*'], 'payment.refund_completed', true],
  ] as const)('%j hears %s: %s', (patterns, type, heard) => expect(subscribedTo(patterns, type)).toBe(heard));
});
