import express, { Router } from 'express';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ConsultationsModule } from '../../application/consultations/consultations.module.js';
import { requireAuth } from './auth.middleware.js';
import { documentRoute } from './openapi.js';
import { validate } from './validate.js';

const appointmentParams = z.strictObject({ appointmentId: z.string().min(1).max(100) });

const iceServersSchema = z.object({
  iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })),
});
const consultationSchema = z.object({
  appointmentId: z.string(),
  status: z.enum(['idle', 'active', 'ended']),
  participants: z.array(z.object({
    userId: z.string(), role: z.enum(['patient', 'doctor']), present: z.boolean(), joinedAt: z.string(), leftAt: z.string().nullable(),
  })),
});

const DEMO_DIR = fileURLToPath(new URL('./public/consultation/', import.meta.url));

/** ICE servers, the consultation read model, and the demo call page. */
export function consultationsRoutes(consultations: ConsultationsModule): Router {
  const router = Router();

  documentRoute({
    method: 'get', path: '/api/webrtc/ice-servers', operationId: 'getIceServers', tags: ['Consultations'], auth: true,
    summary: 'STUN and (when configured) TURN servers with short-lived credentials for this user',
    responses: { 200: iceServersSchema },
  });
  router.get('/api/webrtc/ice-servers', requireAuth, (req, res) => {
    // Credentials are per user and short-lived: never cache them in a shared cache.
    res.set('Cache-Control', 'private, no-store').json({ iceServers: consultations.iceServers(req.actor!) });
  });

  documentRoute({
    method: 'get', path: '/api/consultations/{appointmentId}', operationId: 'getConsultation', tags: ['Consultations'], auth: true,
    summary: 'The video consultation of an appointment (its patient and doctor, auditors, admins)',
    params: appointmentParams, responses: { 200: consultationSchema }, errors: [400, 404],
  });
  router.get('/api/consultations/:appointmentId', requireAuth, validate({ params: appointmentParams }), async (req, res) => {
    const { appointmentId } = req.valid.params as z.infer<typeof appointmentParams>;
    res.json(await consultations.view(appointmentId, req.actor!));
  });

  router.get('/demo/consultation', (_req, res) => { res.sendFile('index.html', { root: DEMO_DIR }); });
  router.use('/demo/consultation', express.static(DEMO_DIR, { index: false, fallthrough: true }));
  return router;
}
