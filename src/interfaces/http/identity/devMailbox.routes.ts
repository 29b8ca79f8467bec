import { Router } from 'express';
import { z } from 'zod';
import type { DevMailbox } from '../../../infrastructure/mail/devMailbox.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import { mailboxQuery } from './identity.schemas.js';

/** Development only: read the e-mails (codes included) that would have been sent. */
export function devMailboxRoutes(mailbox: DevMailbox): Router {
  const router = Router();
  router.get('/mailbox', validate({ query: mailboxQuery }), (req, res) => {
    const { to } = req.valid.query as z.infer<typeof mailboxQuery>;
    res.json({ items: mailbox.list(to) });
  });
  documentRoute({
    method: 'get', path: '/api/dev/mailbox', operationId: 'listDevMailbox', tags: ['Development'], summary: 'E-mails held by the development mailbox (newest first)',
    query: mailboxQuery,
    responses: {
      200: z.object({
        items: z.array(z.object({
          to: z.string(), subject: z.string(), text: z.string(), at: z.string(),
          // Calendar invitations travel as attachments; their text is shown as it would be sent.
          attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), content: z.string() })).optional(),
        })),
      }),
    },
    errors: [400],
  });
  return router;
}
