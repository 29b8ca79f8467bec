import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LAG_COUNT_LIMIT, type ProjectionObserver } from '../../application/eventSourcing/projectionRunner.js';

/** One registry per service instance, so tests can build many apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'commands_total', help: 'Commands handled by outcome', labelNames: ['route', 'outcome'] as const, registers: [registry],
  });
  const conflicts = new Counter({
    name: 'command_conflicts_total', help: 'Optimistic concurrency conflicts (each one retried)', labelNames: ['stream_category'] as const, registers: [registry],
  });
  const projectionLagEvents = new Gauge({
    name: 'projection_lag_events', help: `Events recorded after each projection's position (counted up to ${LAG_COUNT_LIMIT}, never a difference of positions)`,
    labelNames: ['projection'] as const, registers: [registry],
  });
  const projectionBacklogSeconds = new Gauge({
    name: 'projection_lag_seconds', help: 'Age of the oldest event each projection has yet to apply (0 when caught up)',
    labelNames: ['projection'] as const, registers: [registry],
  });
  const projectionLagSeconds = new Histogram({
    name: 'projection_apply_lag_seconds', help: 'Time from an event being recorded to its projection being written',
    labelNames: ['projection'] as const, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5], registers: [registry],
  });
  const reactorParkedEvents = new Gauge({
    name: 'healthvision_reactor_parked_events', help: 'Events each reactor parked (dead letters waiting for a re-drive or an operator)',
    labelNames: ['reactor'] as const, registers: [registry],
  });
  const observer: ProjectionObserver = {
    applied: (projection, lagMs) => projectionLagSeconds.observe({ projection }, lagMs / 1000),
  };
  return {
    registry, httpDuration, commands, projectionLagEvents, projectionLagSeconds, projectionBacklogSeconds, reactorParkedEvents, observer,
    conflict: (streamId: string) => conflicts.inc({ stream_category: streamId.split('-')[0] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
