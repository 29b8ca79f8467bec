import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireAuth, requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { readRequest } from '../audit/readRequest.js';
import { documentRoute, type RouteDoc } from '../openapi.js';
import { validate } from '../validate.js';
import {
  appointmentIdParams, appointmentSchema, bookBody, bookedSchema, cancelBody, emptyBody, historySchema, listQuery, refundSchema,
  rescheduleBody,
} from './appointments.schemas.js';

/** The booking saga over HTTP: `/api/appointments`. Every answer reads its own write. */
export function appointmentsRoutes(services: Services): Router {
  const router = Router();
  const { appointments, projections } = services;
  const idOf = (req: { valid: { params?: unknown } }) => (req.valid.params as z.infer<typeof appointmentIdParams>).id;

  router.post('/api/appointments', requireRole('patient'), validate({ body: bookBody }), async (req, res) => {
    const { slotId } = req.valid.body as z.infer<typeof bookBody>;
    // Reads of this appointment see it at once (read-through), so the answer need not wait for projections.
    const { position: _position, ...held } = await appointments.bookSlot(slotId, commandContext(req));
    res.status(201).json(held);
  });

  router.get('/api/appointments', requireAuth, validate({ query: listQuery }), async (req, res) => {
    res.json(await appointments.listAppointments(req.actor!, req.valid.query as z.infer<typeof listQuery>));
  });

  router.get('/api/appointments/:id', requireAuth, validate({ params: appointmentIdParams }), async (req, res) => {
    res.json(await appointments.viewAppointment(idOf(req), req.actor!, readRequest(req)));
  });

  router.post('/api/appointments/:id/reschedule', requireAuth, validate({ params: appointmentIdParams, body: rescheduleBody }), async (req, res) => {
    const { newSlotId } = req.valid.body as z.infer<typeof rescheduleBody>;
    const result = await appointments.reschedule({ appointmentId: idOf(req), newSlotId }, commandContext(req));
    await projections.waitFor(result.position);
    res.json(await appointments.viewAppointment(idOf(req), req.actor!));
  });

  router.post('/api/appointments/:id/cancel', requireAuth, validate({ params: appointmentIdParams, body: cancelBody }), async (req, res) => {
    const { reason } = req.valid.body as z.infer<typeof cancelBody>;
    const result = await appointments.cancel({ appointmentId: idOf(req), reason }, commandContext(req));
    await projections.waitFor(result.position);
    res.json({
      appointment: await appointments.viewAppointment(idOf(req), req.actor!),
      refund: result.refund ? { amountPaise: result.refund.amountPaise, destination: result.refund.destination } : null,
    });
  });

  for (const [path, command] of [['complete', appointments.complete], ['no-show', appointments.noShow]] as const) {
    router.post(`/api/appointments/:id/${path}`, requireRole('doctor'), validate({ params: appointmentIdParams, body: emptyBody }), async (req, res) => {
      const result = await command(idOf(req), commandContext(req));
      await projections.waitFor(result.position);
      res.json(await appointments.viewAppointment(idOf(req), req.actor!));
    });
  }

  router.get('/api/appointments/:id/history', requireAuth, validate({ params: appointmentIdParams }), async (req, res) => {
    res.json({ events: await appointments.history(idOf(req), req.actor!, readRequest(req)) });
  });

  const doc = (operationId: string, method: 'get' | 'post', path: string, summary: string, extra: Partial<RouteDoc>) =>
    documentRoute({ method, path: `/api/appointments${path}`, operationId, tags: ['Appointments'], auth: true, summary, responses: { 200: appointmentSchema }, ...extra });
  doc('bookSlot', 'post', '', 'Hold a slot and open an appointment awaiting payment', { body: bookBody, responses: { 201: bookedSchema }, errors: [400, 403, 404, 409] });
  doc('listAppointments', 'get', '', 'Own appointments (patient\'s or doctor\'s)', { query: listQuery, responses: { 200: z.object({ items: z.array(appointmentSchema), page: z.number().int(), total: z.number().int() }) }, errors: [400] });
  doc('getAppointment', 'get', '/{id}', 'One appointment (its parties only)', { params: appointmentIdParams, errors: [404] });
  doc('rescheduleAppointment', 'post', '/{id}/reschedule', 'Move to another free slot of the same doctor (≥ 2 h ahead)', { params: appointmentIdParams, body: rescheduleBody, errors: [400, 404, 409] });
  doc('cancelAppointment', 'post', '/{id}/cancel', 'Cancel; the refund follows the policy', {
    params: appointmentIdParams, body: cancelBody, responses: { 200: z.object({ appointment: appointmentSchema, refund: refundSchema }) }, errors: [400, 403, 404, 409],
  });
  doc('completeAppointment', 'post', '/{id}/complete', 'Doctor: the consultation took place', { params: appointmentIdParams, errors: [403, 404, 409] });
  doc('markNoShow', 'post', '/{id}/no-show', 'Doctor: the patient did not come (missed, no refund)', { params: appointmentIdParams, errors: [403, 404, 409] });
  doc('getAppointmentHistory', 'get', '/{id}/history', 'The appointment\'s events with metadata', { params: appointmentIdParams, responses: { 200: historySchema }, errors: [404] });
  return router;
}
