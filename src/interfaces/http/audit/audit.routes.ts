import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { Conflict, NotFound } from '../../../domain/shared/errors.js';
import { requireRole } from '../auth.middleware.js';
import { anyObject, documentRoute, type RouteDoc } from '../openapi.js';
import { validate } from '../validate.js';
import { readRequest } from './readRequest.js';
import { appointmentIdParams, historySchema } from '../appointments/appointments.schemas.js';
import { instant } from '../scheduling/scheduling.schemas.js';

const stateQuery = z.strictObject({ at: instant.optional() });
const streamParams = z.strictObject({ streamId: z.string().min(1).max(300) });
const feedQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  type: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const rebuildBody = z.strictObject({ name: z.string().min(1).max(100).optional() });

/** Auditors' tools (`/api/audit`) and projection operations (`/api/admin/projections`). */
export function auditRoutes(services: Services): Router {
  const router = Router();
  const { audit } = services;
  const staff = requireRole('auditor', 'admin');

  router.get('/api/audit/appointments/:id/history', staff, validate({ params: appointmentIdParams }), async (req, res) => {
    res.json({ events: await audit.appointmentHistory((req.valid.params as z.infer<typeof appointmentIdParams>).id, req.actor!, readRequest(req)) });
  });

  router.get('/api/audit/appointments/:id/state', staff, validate({ params: appointmentIdParams, query: stateQuery }), async (req, res) => {
    const { at } = req.valid.query as z.infer<typeof stateQuery>;
    const id = (req.valid.params as z.infer<typeof appointmentIdParams>).id;
    res.json(await audit.appointmentStateAt(id, at ?? services.clock.now().toISOString(), req.actor!, readRequest(req)));
  });

  router.get('/api/audit/streams/:streamId/verify', staff, validate({ params: streamParams }), async (req, res) => {
    res.json(await audit.verifyStream((req.valid.params as z.infer<typeof streamParams>).streamId));
  });

  router.get('/api/audit/events', staff, validate({ query: feedQuery }), async (req, res) => {
    res.json(await audit.feed(req.valid.query as z.infer<typeof feedQuery>));
  });

  router.post('/api/admin/projections/rebuild', requireRole('admin'), validate({ body: rebuildBody }), async (req, res) => {
    const { name } = req.valid.body as z.infer<typeof rebuildBody>;
    const names = services.projections.names();
    if (name && !names.includes(name)) throw new NotFound('Projection', name);
    const rebuilding = name ? [name] : names;
    // One rebuild per projection at a time: refuse the whole request before starting any of it.
    const busy = services.projections.status().filter((p) => p.rebuilding && rebuilding.includes(p.name));
    if (busy.length > 0) throw new Conflict('rebuild_in_progress', `Being rebuilt already: ${busy.map((p) => p.name).join(', ')}.`);
    for (const n of rebuilding) await services.projections.rebuild(n);
    res.status(202).json({ rebuilding });
  });

  router.get('/api/admin/projections', staff, async (_req, res) => {
    const backlog = await services.projections.backlog();
    res.json({
      items: services.projections.status(),
      lag: Object.fromEntries(Object.entries(backlog).map(([n, b]) => [n, b.events])),
      lagSeconds: Object.fromEntries(Object.entries(backlog).map(([n, b]) => [n, b.seconds])),
      rebuilds: await services.projections.rebuildProgress(),
    });
  });

  const doc = (operationId: string, method: 'get' | 'post', path: string, tags: string[], summary: string, extra: Partial<RouteDoc>) =>
    documentRoute({ method, path, operationId, tags, summary, auth: true, responses: { 200: anyObject }, errors: [403, 404], ...extra });
  doc('getAuditedHistory', 'get', '/api/audit/appointments/{id}/history', ['Audit'], 'An appointment\'s events with metadata', { params: appointmentIdParams, responses: { 200: historySchema } });
  doc('getAppointmentStateAt', 'get', '/api/audit/appointments/{id}/state', ['Audit'], 'An appointment replayed up to an instant', { params: appointmentIdParams, query: stateQuery });
  doc('verifyStream', 'get', '/api/audit/streams/{streamId}/verify', ['Audit'], 'Check a stream\'s hash chain', {
    params: streamParams, responses: { 200: z.object({ valid: z.boolean(), events: z.number().int(), firstBrokenRevision: z.number().int().optional() }) },
  });
  doc('listEvents', 'get', '/api/audit/events', ['Audit'], 'The global event feed by position', { query: feedQuery, errors: [400, 403] });
  doc('rebuildProjections', 'post', '/api/admin/projections/rebuild', ['Operations'], 'Rebuild a projection (or all) aside and swap it in when caught up', {
    body: rebuildBody, errors: [400, 403, 404, 409], responses: { 202: z.object({ rebuilding: z.array(z.string()) }) },
  });
  doc('listProjections', 'get', '/api/admin/projections', ['Operations'], 'Projection positions, lag (events, seconds), errors and rebuild progress', { errors: [403] });
  return router;
}
