import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { accessedKinds } from '../../../domain/audit/accessLog.js';
import { requireAuth, requireRole } from '../auth.middleware.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';

const page = {
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
const ownQuery = z.strictObject(page);
const auditQuery = z.strictObject({
  ...page,
  patientId: z.string().min(1).max(100).optional(),
  readerId: z.string().min(1).max(100).optional(),
});
const accessLogSchema = z.object({
  items: z.array(z.object({
    patientId: z.string(), readerId: z.string(), readerRole: z.string(), reason: z.enum(['treating_doctor', 'auditor', 'admin']),
    record: z.object({ kind: z.enum(accessedKinds), id: z.string() }), requestId: z.string(), at: z.string(), position: z.number().int(),
  })),
  next: z.number().int().nullable(),
}).openapi('AccessLog');

/** Who read whose records: the patient's own list, and the auditors' query over everyone's. */
export function accessLogRoutes(services: Services): Router {
  const router = Router();
  router.get('/api/users/me/access-log', requireAuth, validate({ query: ownQuery }), async (req, res) => {
    res.json(await services.audit.accessLog({ ...(req.valid.query as z.infer<typeof ownQuery>), patientId: req.actor!.userId }));
  });
  router.get('/api/audit/access-log', requireRole('auditor', 'admin'), validate({ query: auditQuery }), async (req, res) => {
    res.json(await services.audit.accessLog(req.valid.query as z.infer<typeof auditQuery>));
  });

  documentRoute({
    method: 'get', path: '/api/users/me/access-log', operationId: 'listMyAccessLog', tags: ['Audit'], auth: true,
    summary: 'Who read my records (reports, appointments, histories, case files), oldest first; page with `after=next`',
    query: ownQuery, responses: { 200: accessLogSchema }, errors: [400],
  });
  documentRoute({
    method: 'get', path: '/api/audit/access-log', operationId: 'listAccessLog', tags: ['Audit'], auth: true,
    summary: 'Reads of patients\' records, by patient and/or reader, oldest first; page with `after=next`',
    query: auditQuery, responses: { 200: accessLogSchema }, errors: [400, 403],
  });
  return router;
}
