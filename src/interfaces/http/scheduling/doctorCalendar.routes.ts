import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';

const agendaQuery = z.strictObject({
  date: z.iso.date().optional().openapi({ description: 'A day in the doctor\'s time zone (default: today there)', example: '2030-01-08' }),
});
const feedQuery = z.strictObject({ token: z.string().min(1).max(500) });

const agendaSchema = z.object({
  date: z.string(),
  timezone: z.string(),
  from: z.string(),
  to: z.string(),
  items: z.array(z.object({
    appointmentId: z.string(),
    patientId: z.string(),
    patientName: z.string(),
    start: z.string(),
    end: z.string(),
    status: z.enum(['pending_payment', 'confirmed', 'expired', 'cancelled', 'completed', 'missed']),
    sharedReports: z.boolean(),
    sharedReportCount: z.number().int(),
    joinWindow: z.object({ opensAt: z.string(), closesAt: z.string() }),
    joinableNow: z.boolean(),
  })),
});
const feedTokenSchema = z.object({ token: z.string(), url: z.string() });

/** The doctor's own day, and the private calendar subscription: `/api/doctors/me/…`. */
export function doctorCalendarRoutes(services: Services): Router {
  const router = Router();
  const { appointments } = services;

  router.get('/api/doctors/me/agenda', requireRole('doctor'), validate({ query: agendaQuery }), async (req, res) => {
    res.json(await appointments.doctorAgenda(req.actor!, req.valid.query as z.infer<typeof agendaQuery>));
  });

  router.post('/api/doctors/me/calendar-token', requireRole('doctor'), async (req, res) => {
    // The answer opens the feed like a password: no cache may keep it.
    res.status(201).set('Cache-Control', 'no-store').json(await appointments.calendarFeed.issue(commandContext(req)));
  });

  router.delete('/api/doctors/me/calendar-token', requireRole('doctor'), async (req, res) => {
    await appointments.calendarFeed.revoke(commandContext(req));
    res.status(204).end();
  });

  // Calendar apps fetch the feed by its address alone; the token in it is the credential.
  router.get('/api/doctors/me/calendar.ics', validate({ query: feedQuery }), async (req, res) => {
    const { token } = req.valid.query as z.infer<typeof feedQuery>;
    const body = await appointments.calendarFeed.feed(token);
    res.status(200).type('text/calendar; charset=utf-8').set('Cache-Control', 'private, no-cache')
      .set('Content-Disposition', 'inline; filename="healthvision.ics"').send(body);
  });

  const doc = { tags: ['Doctors'] };
  documentRoute({
    ...doc, method: 'get', path: '/api/doctors/me/agenda', operationId: 'getDoctorAgenda', auth: true,
    summary: 'Doctor: the day\'s appointments in the doctor\'s time zone, with patient, shared reports and join window',
    query: agendaQuery, responses: { 200: agendaSchema }, errors: [400, 403],
  });
  documentRoute({
    ...doc, method: 'post', path: '/api/doctors/me/calendar-token', operationId: 'issueCalendarFeedToken', auth: true,
    summary: 'Doctor: create or rotate the private calendar feed token (an earlier one stops working)',
    responses: { 201: feedTokenSchema }, errors: [403, 409], idempotent: false,
  });
  documentRoute({
    ...doc, method: 'delete', path: '/api/doctors/me/calendar-token', operationId: 'revokeCalendarFeedToken', auth: true,
    summary: 'Doctor: revoke the calendar feed token (at once; repeating it is harmless)', responses: { 204: null }, errors: [403, 409],
  });
  documentRoute({
    ...doc, method: 'get', path: '/api/doctors/me/calendar.ics', operationId: 'getDoctorCalendarFeed',
    summary: 'The doctor\'s appointments as an iCalendar subscription; the token authenticates (404 when unknown or revoked)',
    query: feedQuery, responses: { 200: null }, files: ['text/calendar'], errors: [400, 404],
  });
  return router;
}
