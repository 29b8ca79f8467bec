import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { NotFound } from '../../../domain/shared/errors.js';
import { requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import {
  availabilityBody, doctorIdParams, doctorSchema, doctorSearchQuery, slotIdParams, slotSchema, slotsQuery,
} from './scheduling.schemas.js';

/** Doctors directory, availability publishing and the slot board: `/api/doctors`. */
export function doctorsRoutes(services: Services): Router {
  const router = Router();
  const { scheduling } = services;

  router.get('/api/doctors', validate({ query: doctorSearchQuery }), async (req, res) => {
    res.json(await scheduling.doctors.list(req.valid.query as z.infer<typeof doctorSearchQuery>));
  });

  router.put('/api/doctors/me/availability', requireRole('doctor'), validate({ body: availabilityBody }), async (req, res) => {
    const result = await scheduling.publishAvailability(req.valid.body as z.infer<typeof availabilityBody>, commandContext(req));
    await services.projections.waitFor(result.position);
    res.json({ published: result.published });
  });

  router.delete('/api/doctors/me/slots/:slotId', requireRole('doctor'), validate({ params: slotIdParams }), async (req, res) => {
    const { slotId } = req.valid.params as z.infer<typeof slotIdParams>;
    const result = await scheduling.withdrawSlot(slotId, commandContext(req));
    await services.projections.waitFor(result.position);
    res.status(204).end();
  });

  router.get('/api/doctors/:doctorId', validate({ params: doctorIdParams }), async (req, res) => {
    const { doctorId } = req.valid.params as z.infer<typeof doctorIdParams>;
    const doctor = await scheduling.doctors.get(doctorId);
    if (!doctor) throw new NotFound('Doctor', doctorId);
    res.json(doctor);
  });

  router.get('/api/doctors/:doctorId/slots', validate({ params: doctorIdParams, query: slotsQuery }), async (req, res) => {
    const { doctorId } = req.valid.params as z.infer<typeof doctorIdParams>;
    res.json({ items: await scheduling.slots.list(doctorId, req.valid.query as z.infer<typeof slotsQuery>) });
  });

  documentRoute({
    method: 'get', path: '/api/doctors', operationId: 'listDoctors', tags: ['Doctors'], summary: 'Find doctors by specialization and name', query: doctorSearchQuery,
    responses: { 200: z.object({ items: z.array(doctorSchema), page: z.number().int(), total: z.number().int() }) }, errors: [400],
  });
  documentRoute({
    method: 'get', path: '/api/doctors/{doctorId}', operationId: 'getDoctor', tags: ['Doctors'], summary: 'One doctor', params: doctorIdParams,
    responses: { 200: doctorSchema }, errors: [404],
  });
  documentRoute({
    method: 'put', path: '/api/doctors/me/availability', operationId: 'publishAvailability', tags: ['Doctors'], auth: true,
    summary: 'Publish a weekly template in the doctor\'s time zone for N days ahead (idempotent)', body: availabilityBody,
    responses: { 200: z.object({ published: z.number().int() }) }, errors: [400, 403, 409],
  });
  documentRoute({
    method: 'get', path: '/api/doctors/{doctorId}/slots', operationId: 'listDoctorSlots', tags: ['Doctors'], summary: 'A doctor\'s slots in a time range',
    params: doctorIdParams, query: slotsQuery, responses: { 200: z.object({ items: z.array(slotSchema) }) }, errors: [400],
  });
  documentRoute({
    method: 'delete', path: '/api/doctors/me/slots/{slotId}', operationId: 'withdrawSlot', tags: ['Doctors'], auth: true, summary: 'Withdraw a free slot',
    params: slotIdParams, responses: { 204: null }, errors: [403, 404, 409],
  });
  return router;
}
