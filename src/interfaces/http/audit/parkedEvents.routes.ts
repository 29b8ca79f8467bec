import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireRole } from '../auth.middleware.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';

const parkedQuery = z.strictObject({
  reactor: z.string().min(1).max(100).optional(),
  kind: z.enum(['permanent', 'transient']).optional(),
});
const parkedParams = z.strictObject({ id: z.string().min(1).max(300) });
const noBody = z.strictObject({});

const parkedSchema = z.object({
  id: z.string(), reactor: z.string(), eventId: z.string(), streamId: z.string(), revision: z.number().int(), position: z.number().int(),
  type: z.string(), kind: z.enum(['permanent', 'transient']), reason: z.string(), attempts: z.number().int(),
  parkedAt: z.string(), lastAttemptAt: z.string(),
}).openapi('ParkedEvent');
const retriedSchema = z.object({ outcome: z.enum(['delivered', 'parked']), parked: parkedSchema.optional() });

/**
 * Events a reactor could not handle (`/api/admin/reactors/parked`): listed with their reasons for
 * operators, and re-driven one at a time once the cause is fixed. Transient ones are also re-driven
 * on their own.
 */
export function parkedEventsRoutes(services: Services): Router {
  const router = Router();

  router.get('/api/admin/reactors/parked', requireRole('auditor', 'admin'), validate({ query: parkedQuery }), async (req, res) => {
    res.json({ items: await services.reactors.parked(req.valid.query as z.infer<typeof parkedQuery>) });
  });

  router.post('/api/admin/reactors/parked/:id/retry', requireRole('admin'), validate({ params: parkedParams, body: noBody }), async (req, res) => {
    res.json(await services.reactors.retryParked((req.valid.params as z.infer<typeof parkedParams>).id));
  });

  documentRoute({
    method: 'get', path: '/api/admin/reactors/parked', operationId: 'listParkedEvents', tags: ['Operations'], auth: true,
    summary: 'Events reactors parked (could not handle), oldest first, with the reason and attempts',
    query: parkedQuery, responses: { 200: z.object({ items: z.array(parkedSchema) }) }, errors: [400, 403],
  });
  documentRoute({
    method: 'post', path: '/api/admin/reactors/parked/{id}/retry', operationId: 'retryParkedEvent', tags: ['Operations'], auth: true,
    summary: 'Deliver one parked event again: delivered, it leaves the list; failing, it stays with the new reason',
    params: parkedParams, body: noBody, responses: { 200: retriedSchema }, errors: [400, 403, 404],
  });
  return router;
}
