import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { auditQueries } from '../../../application/audit/auditQueries.js';
import { NotFound } from '../../../domain/shared/errors.js';
import { requireRole } from '../auth.middleware.js';
import { anyObject, documentRoute, type RouteDoc } from '../openapi.js';
import { validate } from '../validate.js';
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
  const audit = auditQueries(services.events);
  const staff = requireRole('auditor', 'admin');

  router.get('/api/audit/appointments/:id/history', staff, validate({ params: appointmentIdParams }), async (req, res) => {
    res.json({ events: await audit.appointmentHistory((req.valid.params as z.infer<typeof appointmentIdParams>).id) });
  });

  router.get('/api/audit/appointments/:id/state', staff, validate({ params: appointmentIdParams, query: stateQuery }), async (req, res) => {
    const { at } = req.valid.query as z.infer<typeof stateQuery>;
    const id = (req.valid.params as z.infer<typeof appointmentIdParams>).id;
    res.json(await audit.appointmentStateAt(id, at ?? services.clock.now().toISOString()));
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
    for (const n of rebuilding) await services.projections.rebuild(n);
    res.status(202).json({ rebuilding });
  });

  router.get('/api/admin/projections', staff, async (_req, res) => {
    res.json({ items: services.projections.status(), lag: await services.projections.lag() });
  });

  const doc = (operationId: string, method: 'get' | 'post', path: string, tags: string[], summary: string, extra: Partial<RouteDoc>) =>
    documentRoute({ method, path, operationId, tags, summary, auth: true, responses: { 200: anyObject }, errors: [403, 404], ...extra });
  doc('getAuditedHistory', 'get', '/api/audit/appointments/{id}/history', ['Audit'], 'An appointment\'s events with metadata', { params: appointmentIdParams, responses: { 200: historySchema } });
  doc('getAppointmentStateAt', 'get', '/api/audit/appointments/{id}/state', ['Audit'], 'An appointment replayed up to an instant', { params: appointmentIdParams, query: stateQuery });
  doc('verifyStream', 'get', '/api/audit/streams/{streamId}/verify', ['Audit'], 'Check a stream\'s hash chain', {
    params: streamParams, responses: { 200: z.object({ valid: z.boolean(), events: z.number().int(), firstBrokenRevision: z.number().int().optional() }) },
  });
  doc('listEvents', 'get', '/api/audit/events', ['Audit'], 'The global event feed by position', { query: feedQuery, errors: [400, 403] });
  doc('rebuildProjections', 'post', '/api/admin/projections/rebuild', ['Operations'], 'Drop and replay a projection (or all)', {
    body: rebuildBody, responses: { 202: z.object({ rebuilding: z.array(z.string()) }) },
  });
  doc('listProjections', 'get', '/api/admin/projections', ['Operations'], 'Projection positions, lag and errors', { errors: [403] });
  return router;
}
