import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireAuth, requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import { userSchema } from './identity.schemas.js';

const userParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'a user id: letters, digits, - and _') });

const erasedSchema = z.object({ userId: z.string(), erasedAt: z.string() }).openapi('PersonalDataErased');

/** Read-model documents as they are: their fields are described by the routes that serve them. */
const document = z.object({});
const documents = z.array(document);
const exportSchema = z.object({
  format: z.literal('healthvision-personal-data'),
  version: z.literal(1),
  exportedAt: z.string(),
  profile: userSchema.extend({ email: z.string().nullable(), registeredAt: z.string().nullable() }),
  appointments: documents,
  payments: documents,
  refunds: documents,
  wallet: document.nullable(),
  walletTransactions: documents,
  reports: z.array(z.object({
    reportId: z.string(), title: z.string(), status: z.string(),
    chat: z.array(z.object({ question: z.string(), reply: z.string(), urgency: z.string(), answeredAt: z.string() })),
  })),
  consultations: documents,
  accessLog: documents,
}).openapi('PersonalDataExport');

/** A person's data rights: their own export, and an admin's erasure (crypto-shredding) of someone's data. */
export function personalDataRoutes(services: Services): Router {
  const router = Router();
  const { personalData, projections } = services;

  router.get('/api/users/me/export', requireAuth, async (req, res) => {
    const data = await personalData.export(req.actor!.userId);
    res.set('Content-Disposition', `attachment; filename="healthvision-data-${req.actor!.userId}.json"`)
      .set('Cache-Control', 'no-store')
      .json(data);
  });

  router.delete('/api/admin/users/:id/personal-data', requireRole('admin'), validate({ params: userParams }), async (req, res) => {
    const { id } = req.valid.params as z.infer<typeof userParams>;
    const erased = await personalData.erase(id, commandContext(req));
    // Read-your-writes: once answered, read models already show the person as forgotten.
    await projections.waitFor(erased.position);
    res.json({ userId: erased.userId, erasedAt: erased.erasedAt });
  });

  documentRoute({
    method: 'get', path: '/api/users/me/export', operationId: 'exportMyData', tags: ['Auth'], auth: true,
    summary: 'All the data the service holds about the signed-in user, as a JSON file to download',
    responses: { 200: exportSchema },
  });
  documentRoute({
    method: 'delete', path: '/api/admin/users/{id}/personal-data', operationId: 'erasePersonalData', tags: ['Operations'], auth: true,
    summary: 'Forget a person: their key is destroyed, so their names, e-mail and free text read as forgotten everywhere; idempotent',
    params: userParams, responses: { 200: erasedSchema }, errors: [403, 404, 409],
  });
  return router;
}
