import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireRole } from '../auth.middleware.js';
import { anyObject, documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import { appointmentIdParams } from '../appointments/appointments.schemas.js';
import { readRequest } from './readRequest.js';

const caseQuery = z.strictObject({ format: z.enum(['json', 'bundle']).default('json') });

const actorSchema = z.object({ userId: z.string(), role: z.string() });
const inclusionSchema = z.object({ leafIndex: z.number().int(), treeSize: z.number().int(), leafHash: z.string(), proof: z.array(z.string()) });
const headSchema = z.object({ size: z.number().int(), rootHash: z.string(), signedAt: z.string(), signature: z.string(), publicKey: z.string() });
const caseFileSchema = z.object({
  appointmentId: z.string(),
  patientId: z.string(),
  head: headSchema.nullable(),
  status: z.enum(['verified', 'pending', 'broken']),
  streams: z.array(z.string()),
  events: z.array(z.object({
    streamId: z.string(), revision: z.number().int(), position: z.number().int(), type: z.string(), data: anyObject,
    eventId: z.string(), actor: actorSchema, at: z.string(), correlationId: z.string(), causationId: z.string().nullable(),
    causedBy: z.object({ streamId: z.string(), revision: z.number().int(), type: z.string() }).nullable(),
    hash: z.string(), inclusion: inclusionSchema.nullable(), included: z.boolean().nullable(),
  })),
}).openapi('CaseFile');
const bundleSchema = z.object({
  format: z.literal('healthvision-case-bundle/1'),
  appointmentId: z.string(),
  generatedAt: z.string(),
  head: headSchema,
  events: z.array(z.object({
    streamId: z.string(), revision: z.number().int(), position: z.number().int(), type: z.string(), data: anyObject,
    metadata: anyObject, previousHash: z.string().nullable(), inclusion: inclusionSchema.nullable(),
  })),
  manifestSignature: z.string(),
}).openapi('CaseBundle');

/** An appointment's case file across the streams it touched, as JSON or as an offline-verifiable bundle. */
export function caseFileRoutes(services: Services): Router {
  const router = Router();
  router.get('/api/audit/appointments/:id/case', requireRole('auditor', 'admin'), validate({ params: appointmentIdParams, query: caseQuery }), async (req, res) => {
    const { id } = req.valid.params as z.infer<typeof appointmentIdParams>;
    const { format } = req.valid.query as z.infer<typeof caseQuery>;
    if (format === 'json') {
      res.json(await services.audit.caseFile(id, req.actor!, readRequest(req)));
      return;
    }
    const bundle = await services.audit.bundle(id, req.actor!, readRequest(req));
    res.set('Content-Disposition', `attachment; filename="case-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.json"`);
    res.type('application/json').send(`${JSON.stringify(bundle, null, 2)}\n`);
  });

  documentRoute({
    method: 'get', path: '/api/audit/appointments/{id}/case', operationId: 'getAppointmentCaseFile', tags: ['Audit'], auth: true,
    summary: 'Every event of an appointment and of the streams it touched, with inclusion proofs against the latest signed head; '
      + '`?format=bundle` downloads a self-contained file to verify offline (CaseBundle)',
    params: appointmentIdParams, query: caseQuery,
    responses: { 200: z.union([caseFileSchema, bundleSchema]) },
    errors: [400, 403, 404, 409],
  });
  return router;
}
