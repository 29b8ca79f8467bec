import { describe, expect, it } from '@jest/globals';
import type { HandlerDeps } from '../../../src/application/eventSourcing/commandHandler.js';
import type { ReadView } from '../../../src/application/eventSourcing/projection.js';
import { deliveryIdFor, webhookOutboxReactor } from '../../../src/application/integrations/webhookOutbox.reactor.js';
import type { EndpointDoc } from '../../../src/application/integrations/webhooks.projection.js';
import type { RecordedEvent } from '../../../src/application/ports/eventStore.js';
import { deliveryStream } from '../../../src/domain/integrations/webhookDelivery.js';
import { SqliteEventStore } from '../../../src/infrastructure/eventStore/sqliteEventStore.js';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';
import { FakeClock } from '../../support/fakeClock.js';

const endpoint = (endpointId: string, registeredPosition: number, removedPosition: number | null, events: string[]): EndpointDoc => ({
  id: endpointId, endpointId, url: `https://${endpointId}.example.test/hook`, events, trusted: false,
  status: removedPosition === null ? 'active' : 'removed', createdAt: '2030-01-01T00:00:00.000Z', removedAt: null, registeredPosition, removedPosition,
});

// A listens from 15 on; B from 5 until its removal at 25; C only to payments.
const ENDPOINTS = [endpoint('A', 15, null, ['appointment.*']), endpoint('B', 5, 25, ['appointment.*']), endpoint('C', 5, null, ['payment.*'])];

const recorded = (position: number, type: string): RecordedEvent => ({
  streamId: `stream-${position}`, revision: 0, position, type, data: {},
  metadata: {
    eventId: `event-${position}`, actor: { userId: 'system', role: 'system' }, correlationId: `c-${position}`, causationId: null,
    recordedAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1, hash: 'h',
  },
});

const RUN = [recorded(10, 'AppointmentRequested'), recorded(20, 'AppointmentConfirmed'), recorded(22, 'SlotHeld'), recorded(30, 'AppointmentCancelled'), recorded(31, 'PaymentCaptured')];

/** given endpoints / when these events / then these deliveries: event position → endpoints it goes to. */
const EXPECTED: Record<number, string[]> = { 10: ['B'], 20: ['A', 'B'], 22: [], 30: ['A'], 31: ['C'] };

function outbox(projectedUpTo = Number.MAX_SAFE_INTEGER) {
  const events = new SqliteEventStore(openDatabase(':memory:'));
  let sequence = 0;
  const handler: HandlerDeps = { events, clock: new FakeClock(), ids: { next: () => `id-${(sequence += 1)}` } };
  const lookups: unknown[] = [];
  const reads = {
    find: async (_collection: string, filter: { registeredPosition: { $lt: number } }) => {
      lookups.push(filter);
      return ENDPOINTS.filter((e) => e.registeredPosition < filter.registeredPosition.$lt);
    },
  } as unknown as ReadView;
  const waitedFor: number[] = [];
  const reactor = webhookOutboxReactor({
    handler, reads,
    waitForProjections: async (position) => { waitedFor.push(position); return position <= projectedUpTo; },
  });
  const delivered = async () => {
    const sent: Record<number, string[]> = {};
    for (const event of RUN) {
      sent[event.position] = [];
      for (const e of ENDPOINTS) {
        const stream = await events.readStream(deliveryStream(deliveryIdFor(event.metadata.eventId, e.endpointId)));
        if (stream.length > 0) sent[event.position].push(e.endpointId);
      }
    }
    return sent;
  };
  return { reactor, delivered, lookups, waitedFor };
}

describe('the webhook outbox', () => {
  it('sends each event, one at a time, to the endpoints that listened when it was recorded', async () => {
    const o = outbox();
    for (const event of RUN) await o.reactor.react(event);
    expect(await o.delivered()).toEqual(EXPECTED);
  });

  it('sends a whole run to the same endpoints, looking them up once after the projections passed its last event', async () => {
    const o = outbox();
    await o.reactor.reactAll!(RUN);
    expect(await o.delivered()).toEqual(EXPECTED);
    expect(o.lookups).toHaveLength(1);
    expect(o.waitedFor).toEqual([31]);
  });

  it('schedules nothing of a run while the endpoints are not projected up to its last event, and says it may be retried', async () => {
    const o = outbox(30);
    await expect(o.reactor.reactAll!(RUN)).rejects.toMatchObject({ kind: 'unavailable', code: 'projections_behind' });
    expect(await o.delivered()).toEqual({ 10: [], 20: [], 22: [], 30: [], 31: [] });
  });

  it('looks nothing up for a run without events integrators hear of', async () => {
    const o = outbox();
    await o.reactor.reactAll!([recorded(22, 'SlotHeld')]);
    expect(o.lookups).toHaveLength(0);
    expect(o.waitedFor).toHaveLength(0);
  });
});
