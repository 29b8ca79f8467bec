import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireAuth } from '../auth.middleware.js';
import { acceptBody } from '../bodyContentType.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { sendProblem } from '../problem.js';
import { avatarMultipart, sniffAvatar } from './avatarUpload.js';
import { avatarFile } from './identity.schemas.js';

export function usersRoutes(services: Services): Router {
  const router = Router();

  router.put('/me/avatar', requireAuth, acceptBody(['multipart/form-data']), avatarMultipart(), async (req, res) => {
    if (!req.file) return sendProblem(res, 400, 'avatar_missing', 'Send the image as multipart field `avatar`.');
    const mimeType = await sniffAvatar(req.file.buffer);
    if (!mimeType) return sendProblem(res, 415, 'unsupported_avatar_type', 'The avatar must be a JPEG, PNG or WebP image.');
    res.json(await services.identity.changeAvatar({ userId: req.actor!.userId, bytes: req.file.buffer, mimeType }, commandContext(req)));
  });

  documentRoute({
    method: 'put', path: '/api/users/me/avatar', operationId: 'changeAvatar', tags: ['Auth'], summary: 'Replace the profile picture (JPEG, PNG or WebP, ≤ 2 MB)', auth: true,
    multipart: z.object({ avatar: avatarFile }),
    responses: { 200: z.object({ avatarUrl: z.string() }) }, errors: [400, 409, 413, 415],
  });
  return router;
}
